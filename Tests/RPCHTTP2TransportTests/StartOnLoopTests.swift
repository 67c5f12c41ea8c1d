import Glibc
import RPCCore
import RPCHTTP2Transport
import Synchronization
import Testing

/// Handlers that start on the event loop (`RPCHandler.startsOnLoop`): where they run, and
/// that the pool's limit, deadlines and cancellation still apply to them.
@Suite struct StartOnLoopTests {
    @Test func aHandlerThatNeverSuspendsRunsOnTheLoopThread() async throws {
        try await withServerAndChannel(services: [ThreadProbeService()]) { _, channel in
            let loop = try await Self.loopThread(channel)
            for _ in 0..<20 {
                let onLoop: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([0]))
                #expect(Self.threads(onLoop) == [loop])
            }
            // The same body registered without the flag runs on the pool, not on the loop.
            let pooled: RawMessage = try await channel.unary(ThreadProbeService.pooled, request: RawMessage([0]))
            #expect(Self.threads(pooled).count == 1)
            #expect(Self.threads(pooled).first != loop)
        }
    }

    @Test func afterItsFirstSuspensionItContinuesOnThePool() async throws {
        try await withServerAndChannel(services: [ThreadProbeService()]) { _, channel in
            let loop = try await Self.loopThread(channel)
            for _ in 0..<20 {
                let reply: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([1]))
                let threads = Self.threads(reply)
                #expect(threads.count == 2)
                #expect(threads.first == loop)
                #expect(threads.last != loop)
            }
        }
    }

    @Test func whileOtherHandlersRunItGoesToThePool() async throws {
        // On the loop, calls that arrive on one connection would run one after another: one
        // core. So a call starts there only when it arrived alone on a server running nothing else.
        let probe = ThreadProbeService()
        try await withServerAndChannel(services: [probe]) { server, channel in
            let loop = try await Self.loopThread(channel)
            // A handler that runs (sleeps) until it is cancelled below, however slow the machine.
            let slow = Task {
                let _: RawMessage = try await channel.unary(ThreadProbeService.sleepOnLoop, request: RawMessage([0x75, 0x30]))
            }
            try await waitUntil("the slow call runs") { probe.counters.started.load(ordering: .relaxed) == 1 }
            for _ in 0..<10 {
                let reply: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([0]))
                #expect(Self.threads(reply).count == 1)
                #expect(Self.threads(reply).first != loop)
            }
            slow.cancel()
            _ = await slow.result
            try await waitUntil("the slow handler has ended") { server.handlerPool.running == 0 }
            let alone: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([0]))
            #expect(Self.threads(alone) == [loop])
        }
    }

    @Test func serverStreamingStartsOnTheLoopAndSendsEveryMessage() async throws {
        try await withServerAndChannel(services: [ThreadProbeService()]) { _, channel in
            let received: [UInt8] = try await channel.serverStreaming(ThreadProbeService.countOnLoop, request: RawMessage([200])) {
                (responses: RPCMessageStream<RawMessage>) in
                var all: [UInt8] = []
                for try await message in responses { all += message.bytes }
                return all
            }
            #expect(received == (0..<200).map { UInt8($0) })
        }
    }

    @Test func theHandlerPoolLimitCountsThem() async throws {
        let probe = ThreadProbeService()
        try await withServerAndChannel(services: [probe], configure: { $0.maxConcurrentHandlers = 1 }) { server, channel in
            // A handler that holds the only slot until it is cancelled below.
            let slow = Task {
                let _: RawMessage = try await channel.unary(ThreadProbeService.sleepOnLoop, request: RawMessage([0x75, 0x30]))
            }
            try await waitUntil("the slow call runs") { probe.counters.started.load(ordering: .relaxed) == 1 }
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([0]))
            }
            #expect(error?.code == .resourceExhausted)
            slow.cancel()
            _ = await slow.result
            #expect(server.statistics.rejectedCalls == 1)
            try await waitUntil("the slot is free") { server.handlerPool.running == 0 }
            let after: RawMessage = try await channel.unary(ThreadProbeService.onLoop, request: RawMessage([0]))
            #expect(Self.threads(after).count == 1)
        }
    }

    @Test func aDeadlineCancelsAHandlerThatStartedOnTheLoop() async throws {
        let probe = ThreadProbeService()
        try await withServerAndChannel(services: [probe]) { server, channel in
            // A deadline long enough for the handler to start even on a loaded machine (one
            // that passes before the request is complete cancels a call that never started),
            // and short against its 5 s sleep.
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.unary(
                    ThreadProbeService.sleepOnLoop, request: RawMessage([0x13, 0x88]), options: CallOptions(timeout: .seconds(2)))
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(probe.counters.started.load(ordering: .relaxed) == 1)
            try await waitUntil("the handler saw the cancellation") { probe.counters.cancelled.load(ordering: .relaxed) == 1 }
            try await waitUntil("its slot is free") { server.handlerPool.running == 0 }
        }
    }

    @Test func aLargeRequestReachesIt() async throws {
        // Larger than the stream inbox (1 MiB): it starts once the whole request is in.
        try await withServerAndChannel(services: [ThreadProbeService()]) { _, channel in
            let large = RawMessage((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let reply: RawMessage = try await channel.unary(ThreadProbeService.echoOnLoop, request: large)
            #expect(reply.bytes == large.bytes)
        }
    }

    @Test func aSecondRequestMessageIsRefusedAtOnce() async throws {
        // A client that streams to a method that takes one message is stopped at the second,
        // not left to fill the inbox and stall on the withheld window until its deadline.
        let probe = ThreadProbeService()
        try await withServerAndChannel(services: [probe]) { _, channel in
            let start = ContinuousClock.now
            let error = await #expect(throws: RPCError.self) {
                let _: RawMessage = try await channel.clientStreaming(
                    ThreadProbeService.sleepOnLoop, options: CallOptions(timeout: .seconds(5))
                ) { writer in
                    for _ in 0..<8 { try await writer.write(RawMessage([UInt8](repeating: 0, count: 512 << 10))) }
                }
            }
            #expect(ContinuousClock.now - start < .seconds(4))
            #expect(error?.code == .internal)
            #expect(error?.message.contains("more than one request message") == true)
            #expect(probe.counters.started.load(ordering: .relaxed) == 0)
        }
    }

    @Test func theRouterMarksOnlyTheNamedMethods() {
        var router = RPCRouter()
        router.register(ThreadProbeService())
        #expect(router.handler(forPath: ThreadProbeService.onLoop.path)?.startsOnLoop == true)
        #expect(router.handler(forPath: ThreadProbeService.countOnLoop.path)?.startsOnLoop == true)
        #expect(router.handler(forPath: ThreadProbeService.pooled.path)?.startsOnLoop == false)
        var plain = RPCRouter()
        ThreadProbeService().registerMethods(with: &plain)
        #expect(plain.handler(forPath: ThreadProbeService.onLoop.path)?.startsOnLoop == false)
    }

    /// The loop thread (an inline handler runs there).
    static func loopThread(_ channel: HTTP2Channel) async throws -> String {
        let reply: RawMessage = try await channel.unary(ThreadProbeService.inline, request: RawMessage([0]))
        return try #require(threads(reply).first)
    }

    /// The threads a probe reply lists.
    static func threads(_ reply: RawMessage) -> [String] {
        String(decoding: reply.bytes, as: UTF8.self).split(separator: "|").map(String.init)
    }
}

/// Reports the thread its handler ran on (`pthread_self`): before and (request byte 1) after
/// a 5 ms sleep. (Not `Task.yield()`: a task that started on the loop may go on there when
/// it is resumed before it has finished suspending, as a continuation resumed at once is.) Thread names cannot tell: a pool thread inherits the name of the
/// thread that created it, often the loop's.
struct ThreadProbeService: RegistrableRPCService {
    static let inline = MethodDescriptor(service: "test.Probe", method: "Inline")
    static let onLoop = MethodDescriptor(service: "test.Probe", method: "OnLoop")
    static let pooled = MethodDescriptor(service: "test.Probe", method: "Pooled")
    static let countOnLoop = MethodDescriptor(service: "test.Probe", method: "CountOnLoop", kind: .serverStreaming)
    static let echoOnLoop = MethodDescriptor(service: "test.Probe", method: "EchoOnLoop")
    /// Sleeps the request's two bytes (big-endian) in ms.
    static let sleepOnLoop = MethodDescriptor(service: "test.Probe", method: "SleepOnLoop")

    let counters = HandlerCounters()

    var methodsStartingOnLoop: [MethodDescriptor] { [Self.onLoop, Self.countOnLoop, Self.sleepOnLoop, Self.echoOnLoop] }

    func registerMethods(with router: inout RPCRouter) {
        let probe: @Sendable (RawMessage, ServerContext) async throws -> RawMessage = { request, _ in
            var threads = [Self.currentThread()]
            if request.bytes.first == 1 {
                try await Task.sleep(for: .milliseconds(5))
                threads.append(Self.currentThread())
            }
            return RawMessage(Array(threads.joined(separator: "|").utf8))
        }
        router.registerInline(Self.inline) { (_: RawMessage, _) in RawMessage(Array(Self.currentThread().utf8)) }
        router.registerUnary(Self.onLoop, probe)
        router.registerUnary(Self.pooled, probe)
        router.registerUnary(Self.echoOnLoop) { (request: RawMessage, _) in request }
        router.registerServerStreaming(Self.countOnLoop) { (request: RawMessage, writer: RPCWriter<RawMessage>, _) in
            for index in 0..<Int(request.bytes.first ?? 0) { try await writer.write(RawMessage([UInt8(index)])) }
        }
        let counters = self.counters
        router.registerUnary(Self.sleepOnLoop) { (request: RawMessage, _) -> RawMessage in
            counters.started.add(1, ordering: .relaxed)
            let bytes = request.bytes
            do {
                try await Task.sleep(for: .milliseconds(Int(bytes[0]) << 8 | Int(bytes[1])))
            } catch {
                counters.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            return RawMessage([])
        }
    }

    static func currentThread() -> String { String(UInt(bitPattern: Int(bitPattern: pthread_self()))) }
}

/// Callers that run on the client's event loop (`HTTP2Channel.loopExecutor`).
@Suite struct LoopExecutorTests {
    @Test func callsFromTheLoopExecutorStayOnOneThreadAndSucceed() async throws {
        try await withServerAndChannel { _, channel in
            try await withTaskExecutorPreference(HTTP2Channel.loopExecutor) {
                let thread = ThreadProbeService.currentThread()
                for index in 0..<50 {
                    let reply: RawMessage = try await channel.unary(RawEchoService.pooled, request: RawMessage([UInt8(index)]))
                    #expect(reply.bytes == [UInt8(index)])
                    let inline: RawMessage = try await channel.unary(RawEchoService.inline, request: RawMessage([7]))
                    #expect(inline.bytes == [7])
                    // Resumed by the loop, on the loop: the same thread throughout.
                    #expect(ThreadProbeService.currentThread() == thread)
                }
                let streamed: Int = try await channel.serverStreaming(RawEchoService.serverStream, request: RawMessage([30])) {
                    (responses: RPCMessageStream<RawMessage>) in
                    var count = 0
                    for try await _ in responses { count += 1 }
                    return count
                }
                #expect(streamed == 30)
            }
        }
    }

    @Test func deadlinesAndConcurrentCallersStillWork() async throws {
        try await withServerAndChannel { _, channel in
            try await withTaskExecutorPreference(HTTP2Channel.loopExecutor) {
                // The loop's timers fire while a caller on it waits.
                let error = await #expect(throws: RPCError.self) {
                    let _: RawMessage = try await channel.unary(
                        RawEchoService.sleep, request: RawMessage([100]), options: CallOptions(timeout: .milliseconds(50)))
                }
                #expect(error?.code == .deadlineExceeded)
                // Several callers on the loop at once, their calls interleaved.
                try await withThrowingTaskGroup(of: [UInt8].self) { group in
                    for caller in 0..<8 {
                        group.addTask {
                            var seen: [UInt8] = []
                            for call in 0..<20 {
                                let reply: RawMessage = try await channel.unary(RawEchoService.pooled, request: RawMessage([UInt8(caller * 20 + call)]))
                                seen += reply.bytes
                            }
                            return seen
                        }
                    }
                    var all: [UInt8] = []
                    for try await seen in group { all += seen }
                    #expect(all.sorted() == (0..<160).map { UInt8($0) })
                }
            }
        }
    }
}
