internal import CLibPQ

/// Facts about the linked libpq. The connection, pool and query API arrive with rec-svc;
/// this module is the only one that imports libpq.
public enum LibPQ {
    /// libpq's version as a number, e.g. 150020 for 15.20.
    public static var version: Int { Int(PQlibVersion()) }

    /// Whether libpq was built thread-safe (required: rec-svc uses it from several threads).
    public static var isThreadSafe: Bool { PQisthreadsafe() == 1 }
}
