import Foundation

/// Job identifiers are UUIDv7 strings: lowercase, time-ordered, so sorting by id is
/// sorting by creation time, which cursor pagination and the pruner rely on.
public enum JobID {
    public static func make(at date: Date = Date()) -> String {
        // Two draws, not sixteen: each draw from the system generator is a syscall.
        var rng = SystemRandomNumberGenerator()
        let high = millis(date) << 16 | 0x7000 | (rng.next() & 0x0FFF)
        let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high, low)
    }

    /// The smallest id made at `date`: every id made earlier sorts below it.
    public static func lowerBound(at date: Date) -> String {
        format(millis(date) << 16, 0)
    }

    private static func millis(_ date: Date) -> UInt64 {
        UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
    }

    /// 8-4-4-4-12 lowercase hex of the 128 bits `high`·`low`.
    private static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits = Array("0123456789abcdef".utf8)
            var out = 0
            var nibble = 0
            for word in [high, low] {
                for shift in stride(from: 60, through: 0, by: -4) {
                    if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = digits[Int((word >> UInt64(shift)) & 0xF)]
                    out += 1
                    nibble += 1
                }
            }
            return out
        }
    }
}
