import Foundation

/// Fire times in a time zone, DST-correct (docs/schedules.md):
///
/// - A wall-clock time that does not exist (02:30 on a spring-forward day) fires once, at
///   the first instant after the gap (03:00 local). Every missing time of the gap, and a
///   03:00 the expression also matches, land on that one instant: it fires once, never twice.
/// - A wall-clock time that occurs twice (01:30 on a fall-back day in New York) fires only
///   at its first occurrence.
///
/// Times are whole seconds. The search walks local calendar days, so it is cheap for any
/// expression; it gives up after nine years (a 29 February on a Monday may take that long).
extension CronExpression {
    /// The first fire time strictly after `date`, or nil when there is none within nine years.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let afterSeconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let localAfter = afterSeconds + Int64(timeZone.secondsFromGMT(for: date))
        // A wall time up to three hours before `date`'s wall time can still resolve to a
        // later instant across a DST change; start the scan there.
        let scanFrom = localAfter - 3 * 3600
        var day = Self.floorDiv(scanFrom, 86400)
        let lastDay = day + 366 * 9
        let secondValues = Self.values(seconds, in: 0...59)
        let minuteValues = Self.values(minutes, in: 0...59)
        let hourValues = Self.values(hours, in: 0...23)
        while day <= lastDay {
            let (_, month, dayOfMonth) = Self.civil(fromDays: day)
            // 1970-01-01 was a Thursday.
            let weekday = Int(((day % 7) + 11) % 7)
            if matches(month: month), matchesDay(day: dayOfMonth, weekday: weekday) {
                for hour in hourValues {
                    let hourStart = day * 86400 + Int64(hour) * 3600
                    if hourStart + 3599 < scanFrom { continue }
                    for minute in minuteValues {
                        let minuteStart = hourStart + Int64(minute) * 60
                        if minuteStart + 59 < scanFrom { continue }
                        for second in secondValues {
                            let local = minuteStart + Int64(second)
                            if local < scanFrom { continue }
                            let instant = Self.resolve(local: local, in: timeZone)
                            if instant > afterSeconds { return Date(timeIntervalSince1970: TimeInterval(instant)) }
                        }
                    }
                }
            }
            day += 1
        }
        return nil
    }

    /// Up to `count` fire times after `date`, in order.
    public func nextTimes(after date: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        var times: [Date] = []
        var cursor = date
        while times.count < count, let next = next(after: cursor, in: timeZone) {
            times.append(next)
            cursor = next
        }
        return times
    }

    /// The instant (Unix seconds) a local wall time stands for: the earlier one when it
    /// occurs twice, the end of the gap when it does not occur.
    static func resolve(local: Int64, in timeZone: TimeZone) -> Int64 {
        let probes = [local - 86400, local, local + 86400]
        var offsets: [Int64] = []
        for probe in probes {
            let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(probe))))
            if !offsets.contains(offset) { offsets.append(offset) }
        }
        var best: Int64?
        for offset in offsets {
            let instant = local - offset
            let actual = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
            if actual == offset, best.map({ instant < $0 }) ?? true { best = instant }
        }
        if let best { return best }
        // In a gap: the wall clock jumps over `local`. Fire at the transition, the first
        // instant after the gap.
        let before = offsets[0]
        let searchFrom = Date(timeIntervalSince1970: TimeInterval(local - before - 86400))
        if let transition = timeZone.nextDaylightSavingTimeTransition(after: searchFrom) {
            return Int64(transition.timeIntervalSince1970.rounded(.up))
        }
        return local - before
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Gregorian (year, month, day) of days since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
