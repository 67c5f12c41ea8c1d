import Foundation
import Testing

@testable import ServiceRuntime

@Suite struct LoggerTests {
    @Test func quotesLikeJSON() throws {
        let text = "a\"b\\c\nd\u{1}é✓"
        let quoted = Logger.quoted(text)
        let decoded = try JSONSerialization.jsonObject(with: Data(quoted.utf8), options: [.fragmentsAllowed]) as? String
        #expect(decoded == text)
    }

    @Test func timestampIsRFC3339UTCWithMilliseconds() {
        let stamp = Logger.timestamp()
        #expect(stamp.count == 24)
        #expect(stamp.hasSuffix("Z"))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: stamp)
        #expect(date != nil)
        #expect(abs((date ?? .distantPast).timeIntervalSinceNow) < 5)
    }
}

@Suite struct ServiceGroupTests {
    /// Records start and stop order.
    final class Recorder: Sendable {
        let events = Mutex_([String]())
    }

    struct Waiting: Service {
        let name: String
        let recorder: Recorder
        func run() async throws {
            recorder.events.append("start \(name)")
            let stopped = ShutdownSignal()
            await withTaskCancellationHandler {
                await stopped.wait()
            } onCancel: {
                stopped.trigger()
            }
            recorder.events.append("stop \(name)")
        }
    }

    @Test func cancellationStopsServicesInReverseOrder() async throws {
        let recorder = Recorder()
        let group = ServiceGroup(
            services: [Waiting(name: "a", recorder: recorder), Waiting(name: "b", recorder: recorder)],
            gracefulShutdownSignals: [], logger: Logger(service: "test", minimumLevel: .error))
        let task = Task { try await group.run() }
        for _ in 0..<200 where recorder.events.value.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        try await task.value
        #expect(recorder.events.value.suffix(2) == ["stop b", "stop a"])
    }

    struct Broken: Error {}
    struct Failing: Service {
        func run() async throws { throw Broken() }
    }

    @Test func aFailingServiceStopsTheOthersAndItsErrorIsRethrown() async throws {
        let recorder = Recorder()
        let group = ServiceGroup(
            services: [Waiting(name: "a", recorder: recorder), Failing()], gracefulShutdownSignals: [],
            logger: Logger(service: "test", minimumLevel: .error))
        await #expect(throws: Broken.self) { try await group.run() }
        #expect(recorder.events.value.last == "stop a")
    }

    @Test func aServiceThatEndsStopsTheOthers() async throws {
        struct Done: Service { func run() async throws {} }
        let recorder = Recorder()
        let group = ServiceGroup(
            services: [Waiting(name: "a", recorder: recorder), Done()], gracefulShutdownSignals: [],
            logger: Logger(service: "test", minimumLevel: .error))
        try await group.run()
        #expect(recorder.events.value == ["start a", "stop a"])
    }
}

/// A tiny locked box for test records.
final class Mutex_<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func append<Element>(_ element: Element) where Value == [Element] { lock.withLock { stored.append(element) } }
}
