import RPCCore
import Testing

@testable import RPCHTTP2Transport

@Suite struct FramingTests {
    private func feed(_ deframer: inout GRPCMessageDeframer, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { deframer.append($0) }
    }

    @Test func framesAndDeframesAcrossArbitrarySplits() throws {
        let messages: [[UInt8]] = [[], [1], Array(repeating: 7, count: 300), Array(0..<255)]
        var wire: [UInt8] = []
        for message in messages { GRPCMessageFramer.appendFrame(message, to: &wire) }
        #expect(Array(wire.prefix(5)) == [0, 0, 0, 0, 0])
        for chunkSize in [1, 2, 3, 5, 7, 64, wire.count] {
            var deframer = GRPCMessageDeframer(maxMessageBytes: 1024)
            var out: [[UInt8]] = []
            var offset = 0
            while offset < wire.count {
                feed(&deframer, Array(wire[offset..<min(offset + chunkSize, wire.count)]))
                offset += chunkSize
                while let message = try deframer.next() { out.append(message) }
            }
            #expect(out == messages, "chunk size \(chunkSize)")
            #expect(!deframer.hasPartialMessage)
        }
    }

    @Test func lengthIsBigEndian() {
        let framed = GRPCMessageFramer.frame(Array(repeating: 0, count: 0x01_02_03))
        #expect(Array(framed.prefix(5)) == [0, 0, 0x01, 0x02, 0x03])
    }

    @Test func oversizedMessageIsResourceExhausted() {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        feed(&deframer, [0, 0, 0, 0, 11])
        do {
            _ = try deframer.next()
            Issue.record("expected an error")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted)
        } catch { Issue.record("\(error)") }
    }

    @Test func compressedFlagWithoutEncodingIsRejected() {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        feed(&deframer, [1, 0, 0, 0, 1, 9])
        do {
            _ = try deframer.next()
            Issue.record("expected an error")
        } catch let error as RPCError {
            #expect(error.code == .internal)
            #expect(error.message.contains("compressed"))
        } catch { Issue.record("\(error)") }
    }

    @Test func truncatedInputIsReportedAsPartial() throws {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 100)
        feed(&deframer, [0, 0, 0])
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
        feed(&deframer, [0, 4, 1, 2])
        #expect(try deframer.next() == nil)
        #expect(deframer.hasPartialMessage)
    }
}
