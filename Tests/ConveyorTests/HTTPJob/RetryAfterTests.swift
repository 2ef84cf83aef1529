import ConveyorCore
@testable import ConveyorHTTPJob
import Foundation
import NIOCore
import Testing

@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
    let day: Duration = .seconds(86_400)

    @Test func deltaSeconds() {
        #expect(RetryAfter.delay("7", now: now, maximum: day) == .seconds(7))
        #expect(RetryAfter.delay(" 120 ", now: now, maximum: day) == .seconds(120))
        #expect(RetryAfter.delay("0", now: now, maximum: day) == .zero)
    }

    @Test func clampsToTheMaximum() {
        #expect(RetryAfter.delay("999999", now: now, maximum: day) == day)
        #expect(RetryAfter.delay("99999999999999999999999", now: now, maximum: day) == day)
        #expect(RetryAfter.delay("Fri, 31 Dec 2100 23:59:59 GMT", now: now, maximum: day) == day)
    }

    @Test func httpDates() {
        // The three forms RFC 9110 requires recipients to accept, 60 seconds after `now`.
        for text in ["Sun, 06 Nov 1994 08:50:37 GMT", "Sunday, 06-Nov-94 08:50:37 GMT", "Sun Nov  6 08:50:37 1994"] {
            #expect(RetryAfter.delay(text, now: now, maximum: day) == .seconds(60), "\(text)")
        }
    }

    @Test func pastDateMeansNow() {
        #expect(RetryAfter.delay("Sun, 06 Nov 1994 08:00:00 GMT", now: now, maximum: day) == .zero)
    }

    @Test func unreadableMeansBackoff() {
        for text in [nil, "", "soon", "-5", "1.5", "Sun, 06 Nov 1994"] {
            #expect(RetryAfter.delay(text, now: now, maximum: day) == nil, "\(String(describing: text))")
        }
    }

    @Test func excerptCutsOnCharacterBoundaries() {
        let buffer = ByteBuffer(string: "aé€😀")  // 1 + 2 + 3 + 4 bytes
        #expect(BoundedBody.excerpt(buffer, limit: 100) == "aé€😀")
        #expect(BoundedBody.excerpt(buffer, limit: 2) == "a")
        #expect(BoundedBody.excerpt(buffer, limit: 3) == "aé")
        #expect(BoundedBody.excerpt(buffer, limit: 5) == "aé")
        #expect(BoundedBody.excerpt(buffer, limit: 9) == "aé€")
        #expect(BoundedBody.excerpt(ByteBuffer(bytes: [0x61, 0xFF, 0x62]), limit: 3) == "a\u{FFFD}b")
    }
}
