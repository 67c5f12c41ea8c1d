internal import Glibc

/// The wall clock (CLOCK_REALTIME), for timestamps other processes and PostgreSQL read.
/// Durations use `ContinuousClock`; this is only for "when did it happen".
public enum WallClock {
    /// Now, in Unix milliseconds.
    public static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
