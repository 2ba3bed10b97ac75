/// The one statement that counts a failed sign-in, shared by both stores.
///
/// Insert-or-update with `RETURNING`: concurrent failures on any number of
/// instances each add exactly one, and the lock is set in the same
/// statement that counts the failure reaching the limit, so there is no
/// read-then-write window in which extra guesses slip through.
enum SignInFailureSQL {
    /// - Parameter placeholders: the five parameters as the database writes
    ///   them (`?1`… or `$1`…): key, now, window end, limit, lock end (times in ms).
    static func record(table: String, placeholders p: [String]) -> String {
        let (key, now, windowEnds, limit, lockedUntil) = (p[0], p[1], p[2], p[3], p[4])
        let fresh = "f.window_ends <= \(now) AND f.locked_until <= \(now)"
        let counted = "CASE WHEN \(fresh) THEN 1 ELSE f.failures + 1 END"
        return """
            INSERT INTO \(table) AS f (key, failures, window_ends, locked_until)
            VALUES (\(key), 1, \(windowEnds), CASE WHEN 1 >= \(limit) THEN \(lockedUntil) ELSE 0 END)
            ON CONFLICT (key) DO UPDATE SET
                failures = \(counted),
                window_ends = CASE WHEN \(fresh) THEN \(windowEnds) ELSE f.window_ends END,
                locked_until = CASE WHEN \(counted) >= \(limit) THEN \(lockedUntil) ELSE f.locked_until END
            RETURNING failures, locked_until
            """
    }
}
