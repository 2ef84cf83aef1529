import ConveyorCore
import Foundation
import Testing

@testable import ConveyorCore

/// The schedule tests, grouped so `swift test --filter ScheduleTests` runs them all.
@Suite enum ScheduleTests {}

func utc(_ text: String) -> Date {
    ConveyorJSON.parseDate(text)!
}

func zone(_ id: String) -> TimeZone {
    TimeZone(identifier: id)!
}

extension ScheduleTests {
    @Suite("Cron parser") struct CronParserTests {
        @Test func fieldsStepsRangesListsAndNames() throws {
            let cron = try CronExpression("5-30/5 */6 1,15 JAN-MAR mon-fri")
            #expect(CronExpression.values(cron.minutes, in: 0...59) == [5, 10, 15, 20, 25, 30])
            #expect(CronExpression.values(cron.hours, in: 0...23) == [0, 6, 12, 18])
            #expect(CronExpression.values(cron.daysOfMonth, in: 1...31) == [1, 15])
            #expect(CronExpression.values(cron.months, in: 1...12) == [1, 2, 3])
            #expect(CronExpression.values(cron.daysOfWeek, in: 0...6) == [1, 2, 3, 4, 5])
            #expect(CronExpression.values(cron.seconds, in: 0...59) == [0])
        }

        @Test func sundayIsZeroOrSeven() throws {
            let seven = try CronExpression("0 0 * * 7")
            let zero = try CronExpression("0 0 * * 0")
            let name = try CronExpression("0 0 * * SUN")
            #expect(seven.daysOfWeek == 1 && zero.daysOfWeek == 1 && name.daysOfWeek == 1)
            #expect(CronExpression.values(try CronExpression("0 0 * * 5-7").daysOfWeek, in: 0...6) == [0, 5, 6])
        }

        @Test func sixFieldsLeadWithSeconds() throws {
            let cron = try CronExpression("*/20 0 12 * * *")
            #expect(CronExpression.values(cron.seconds, in: 0...59) == [0, 20, 40])
            #expect(CronExpression.values(cron.minutes, in: 0...59) == [0])
            #expect(CronExpression.values(cron.hours, in: 0...23) == [12])
        }

        @Test func macros() throws {
            #expect(try CronExpression("@hourly").hours == CronExpression("0 * * * *").hours)
            #expect(try CronExpression("@daily").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2026-01-02T00:00:00Z"))
            #expect(try CronExpression("@midnight").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2026-01-02T00:00:00Z"))
            // 2026-01-01 is a Thursday: the next Sunday is the 4th.
            #expect(try CronExpression("@weekly").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2026-01-04T00:00:00Z"))
            #expect(try CronExpression("@monthly").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2026-02-01T00:00:00Z"))
            #expect(try CronExpression("@yearly").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2027-01-01T00:00:00Z"))
            #expect(try CronExpression("@annually").next(after: utc("2026-01-01T10:00:00Z"), in: zone("UTC")) == utc("2027-01-01T00:00:00Z"))
        }

        @Test(arguments: [
            ("61 * * * *", "minute", "out of range 0–59"),
            ("* 24 * * *", "hour", "out of range 0–23"),
            ("* * 0 * *", "day-of-month", "out of range 1–31"),
            ("* * * 13 *", "month", "out of range 1–12"),
            ("* * * FOO *", "month", "JAN"),
            ("* * * * 8", "day-of-week", "out of range 0–7"),
            ("* * * * FUNDAY", "day-of-week", "MON"),
            ("*/0 * * * *", "minute", "step '0'"),
            ("30-10 * * * *", "minute", "runs backwards"),
            ("1,,2 * * * *", "minute", "empty list item"),
            ("* * *", "expression", "has 3 fields"),
            ("1 2 3 4 5 6 7", "expression", "has 7 fields"),
            ("@fortnightly", "expression", "unknown macro"),
            ("0 0 30 2 *", "day-of-month", "never"),
            ("x * * * *", "minute", "not a number"),
        ])
        func errorsNameTheFieldAndTheFix(text: String, field: String, fragment: String) {
            do {
                _ = try CronExpression(text)
                Issue.record("'\(text)' parsed")
            } catch {
                #expect(error.field == field, "\(error)")
                #expect(error.message.contains(fragment), "\(error)")
                // Every message says what to write instead.
                #expect(error.message.contains("write") || error.message.contains("use") || error.message.contains("pick"), "\(error)")
            }
        }
    }

    @Suite("Cron next fire times") struct CronNextTests {
        func next(_ text: String, after: String, in id: String = "UTC", count: Int = 1) throws -> [Date] {
            try CronExpression(text).nextTimes(after: utc(after), in: zone(id), count: count)
        }

        @Test func everyFifteenMinutesIsStrictlyAfter() throws {
            #expect(try next("*/15 * * * *", after: "2026-01-01T10:00:00Z", count: 3)
                == [utc("2026-01-01T10:15:00Z"), utc("2026-01-01T10:30:00Z"), utc("2026-01-01T10:45:00Z")])
            #expect(try next("*/15 * * * *", after: "2026-01-01T10:14:59.999Z") == [utc("2026-01-01T10:15:00Z")])
        }

        @Test func secondsField() throws {
            #expect(try next("*/20 * * * * *", after: "2026-01-01T00:00:05Z", count: 3)
                == [utc("2026-01-01T00:00:20Z"), utc("2026-01-01T00:00:40Z"), utc("2026-01-01T00:01:00Z")])
        }

        @Test func hourly() throws {
            #expect(try next("@hourly", after: "2026-01-01T10:15:00Z", count: 2) == [utc("2026-01-01T11:00:00Z"), utc("2026-01-01T12:00:00Z")])
        }

        @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
            // 13 January 2026 is a Tuesday; the 16th a Friday.
            #expect(try next("0 0 13 * 5", after: "2026-01-10T00:00:00Z", count: 2) == [utc("2026-01-13T00:00:00Z"), utc("2026-01-16T00:00:00Z")])
            #expect(try next("0 0 13 * *", after: "2026-01-10T00:00:00Z", count: 2) == [utc("2026-01-13T00:00:00Z"), utc("2026-02-13T00:00:00Z")])
            // A day-of-month starting with * is not restricted: both must match (odd days that are Fridays).
            #expect(try next("0 0 */2 * 5", after: "2026-01-01T00:00:00Z") == [utc("2026-01-09T00:00:00Z")])
        }

        @Test func february29WaitsForALeapYear() throws {
            #expect(try next("0 0 29 2 *", after: "2026-01-01T00:00:00Z", count: 2) == [utc("2028-02-29T00:00:00Z"), utc("2032-02-29T00:00:00Z")])
        }

        @Test func wallClockInAZone() throws {
            // 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer.
            #expect(try next("0 9 * * *", after: "2026-01-10T12:00:00Z", in: "Europe/Berlin") == [utc("2026-01-11T08:00:00Z")])
            #expect(try next("0 9 * * *", after: "2026-07-10T12:00:00Z", in: "Europe/Berlin") == [utc("2026-07-11T07:00:00Z")])
        }

        // MARK: DST

        @Test func springForwardBerlinFiresOnceAtTheEndOfTheGap() throws {
            // 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 does not exist.
            #expect(try next("30 2 * * *", after: "2026-03-28T12:00:00Z", in: "Europe/Berlin", count: 2)
                == [utc("2026-03-29T01:00:00Z"), utc("2026-03-30T00:30:00Z")])
        }

        @Test func springForwardNewYorkFiresOnceAtTheEndOfTheGap() throws {
            // 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
            #expect(try next("30 2 * * *", after: "2026-03-07T12:00:00Z", in: "America/New_York", count: 2)
                == [utc("2026-03-08T07:00:00Z"), utc("2026-03-09T06:30:00Z")])
        }

        @Test(arguments: [("Europe/Berlin", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"),
                          ("America/New_York", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z")])
        func aGapTimeAndThreeOClockFireOnceNotTwice(id: String, from: String, gapEnd: String, threeThirty: String) throws {
            // 02:00, 02:30 (missing) and 03:00 all land on the end of the gap: one firing.
            #expect(try next("0,30 2-3 * * *", after: from, in: id, count: 2) == [utc(gapEnd), utc(threeThirty)])
        }

        @Test func fallBackBerlinFiresAtTheFirstOccurrenceOnly() throws {
            // 25 October 2026: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens twice.
            #expect(try next("30 2 * * *", after: "2026-10-24T12:00:00Z", in: "Europe/Berlin", count: 2)
                == [utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")])
        }

        @Test func fallBackNewYorkFiresAtTheFirstOccurrenceOnly() throws {
            // 1 November 2026: 02:00 EDT goes back to 01:00 EST (06:00 UTC); 01:30 happens twice.
            #expect(try next("30 1 * * *", after: "2026-10-31T12:00:00Z", in: "America/New_York", count: 2)
                == [utc("2026-11-01T05:30:00Z"), utc("2026-11-02T06:30:00Z")])
        }

        @Test(arguments: [("Europe/Berlin", "2026-10-24T20:00:00Z"), ("America/New_York", "2026-10-31T20:00:00Z"),
                          ("Europe/Berlin", "2026-03-28T20:00:00Z"), ("America/New_York", "2026-03-07T20:00:00Z")])
        func noInstantTwiceAcrossAChangeDay(id: String, from: String) throws {
            let times = try next("*/10 * * * *", after: from, in: id, count: 200)
            #expect(times.count == 200)
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "fire times must strictly increase")
            #expect(Set(times).count == times.count)
            // And no wall-clock time fires twice on the fall-back day.
            var formatter = Date.FormatStyle(date: .numeric, time: .standard)
            formatter.timeZone = zone(id)
            let walls = times.map { $0.formatted(formatter) }
            #expect(Set(walls).count == walls.count)
        }
    }

    @Suite("Deterministic schedule job ids") struct ScheduleJobIDTests {
        @Test func idIsStableAcrossReleases() {
            // Computed independently (Python's hashlib) from the documented recipe: a
            // different id for the same fire time would fire it again after an upgrade.
            let id = ScheduleJobID.make(tenant: "default", scheduleID: "nightly", fireTime: utc("2026-03-29T01:00:00Z"))
            #expect(id == "019d371a-da80-703c-a22c-922913d89b20")
        }

        /// Schedule ids are per tenant and job ids global: another tenant's `nightly` makes
        /// another job (`schedule:acme/nightly:…`, also computed with hashlib), while the
        /// `default` tenant's ids stay those of the release before ids were scoped.
        @Test func theTenantIsPartOfTheIDButDefaultsIDsAreUnchanged() {
            let t = utc("2026-03-29T01:00:00Z")
            #expect(ScheduleJobID.make(tenant: "acme", scheduleID: "nightly", fireTime: t) == "019d371a-da80-70b8-a408-7bac00d56a24")
            #expect(ScheduleJobID.key(tenant: "acme", scheduleID: "nightly", fireTime: t) == "schedule:acme/nightly:2026-03-29T01:00:00.000Z")
            #expect(ScheduleJobID.key(tenant: "default", scheduleID: "nightly", fireTime: t) == "schedule:nightly:2026-03-29T01:00:00.000Z")
            // `:` is allowed in both names, `/` in neither: no pair of names shares a key.
            #expect(
                ScheduleJobID.key(tenant: "a:b", scheduleID: "c", fireTime: t) != ScheduleJobID.key(tenant: "a", scheduleID: "b:c", fireTime: t))
        }

        @Test func sameScheduleAndTimeSameIDTimeOrderedUUIDv7() {
            let t = utc("2026-03-29T01:00:00Z")
            let a = ScheduleJobID.make(tenant: "default", scheduleID: "nightly", fireTime: t)
            #expect(a == ScheduleJobID.make(tenant: "default", scheduleID: "nightly", fireTime: t))
            #expect(a != ScheduleJobID.make(tenant: "default", scheduleID: "hourly", fireTime: t))
            #expect(a.count == 36 && a == a.lowercased())
            let parts = a.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].hasPrefix("7"), "version 7")
            #expect("89ab".contains(parts[3].first!), "RFC variant")
            // The timestamp is the fire time: ids sort like fire times and like JobID's.
            #expect(a >= JobID.lowerBound(at: t) && a < JobID.lowerBound(at: t.addingTimeInterval(0.001)))
            #expect(ScheduleJobID.make(tenant: "default", scheduleID: "nightly", fireTime: t.addingTimeInterval(1)) > a)
            #expect(ScheduleJobID.key(tenant: "default", scheduleID: "nightly", fireTime: t) == "schedule:nightly:2026-03-29T01:00:00.000Z")
        }
    }
}
