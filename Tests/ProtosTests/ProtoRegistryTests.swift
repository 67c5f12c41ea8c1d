import RPCCore
import Testing

@testable import Protos

@Suite("The registry of message types and methods")
struct ProtoRegistryTests {
    @Test("Every method protobuf-c knows is in the method table, with the same message types")
    func methodsMatchProtobufC() {
        let fromC = ProtoRegistry.protobufCMethods()
        #expect(fromC.count == ProtoRegistry.methods.count)
        for entry in fromC {
            let method = ProtoRegistry.method(path: "/\(entry.service)/\(entry.method)")
            #expect(method != nil, "missing \(entry.service)/\(entry.method)")
            #expect(method?.input.fullName == entry.input)
            #expect(method?.output.fullName == entry.output)
        }
    }

    @Test("The registry finds every generated method by path, with its kind and idempotency")
    func everyGeneratedMethod() {
        let services: [[MethodDescriptor]] = [
            ASRV1.ASR.Method.descriptors, NLUV1.NLU.Method.descriptors, RecV1.Rec.Method.descriptors,
            RecV1.CatalogAdmin.Method.descriptors, HealthV1.Health.Method.descriptors,
            TestingV1.TestService.Method.descriptors,
        ]
        let all = services.flatMap { $0 }
        #expect(all.count == ProtoRegistry.methods.count)
        for descriptor in all {
            #expect(ProtoRegistry.method(path: descriptor.path)?.descriptor == descriptor)
        }
        #expect(
            ProtoRegistry.method(path: "/voiceshop.nlu.v1.NLU/Parse")?.input.fullName == "voiceshop.nlu.v1.ParseRequest"
        )
        #expect(
            ProtoRegistry.method(path: "voiceshop.nlu.v1.NLU/Parse")?.output.fullName
                == "voiceshop.nlu.v1.ParseResponse")
        #expect(
            ProtoRegistry.method(path: "voiceshop.nlu.v1.NLU.Parse")?.descriptor == NLUV1.NLU.Method.Parse.descriptor)
        #expect(ProtoRegistry.method(path: "/voiceshop.nlu.v1.NLU/Nope") == nil)
        #expect(ProtoRegistry.method(path: "nonsense") == nil)
    }

    @Test("Call shapes and idempotency come from the contracts")
    func kinds() {
        #expect(ASRV1.ASR.Method.StreamingRecognize.descriptor.kind == .bidiStreaming)
        #expect(ASRV1.ASR.Method.Recognize.descriptor.kind == .unary)
        #expect(ASRV1.ASR.Method.Recognize.descriptor.isIdempotent)
        #expect(RecV1.CatalogAdmin.Method.ImportProducts.descriptor.kind == .clientStreaming)
        #expect(!RecV1.CatalogAdmin.Method.ImportProducts.descriptor.isIdempotent)
        #expect(HealthV1.Health.Method.Watch.descriptor.kind == .serverStreaming)
        #expect(RecV1.Rec.Method.Search.descriptor.isIdempotent)
        #expect(RecV1.Rec.Method.Checkout.descriptor.isIdempotent)
        #expect(!RecV1.Rec.Method.AddToCart.descriptor.isIdempotent)
        #expect(RecV1.Rec.Method.Search.descriptor.path == "/voiceshop.rec.v1.Rec/Search")
        #expect(RecV1.Rec.serviceName == "voiceshop.rec.v1.Rec")
        #expect(ProtoRegistry.method(path: "/grpc.health.v1.Health/Watch")?.descriptor.kind == .serverStreaming)
    }

    @Test("Every generated message type is registered under its proto name")
    func messageTypes() {
        #expect(ProtoRegistry.messageTypes.count == ProtoRegistry.generatedSwiftTypes.count)
        #expect(ProtoRegistry.messageTypes.map(\.fullName) == ProtoRegistry.messageTypes.map(\.fullName).sorted())
        for type in ProtoRegistry.messageTypes {
            #expect(type.swiftType.protoMessageName == type.fullName)
            #expect(ProtoRegistry.messageType(named: type.fullName) == type)
        }
        #expect(ProtoRegistry.messageType(named: ".voiceshop.rec.v1.Product")?.fullName == "voiceshop.rec.v1.Product")
        #expect(ProtoRegistry.messageType(named: "voiceshop.rec.v1.Nope") == nil)
        #expect(ProtoRegistry.messageType(named: "voiceshop.testing.v1.FieldKinds.Inner") != nil)
    }

    @Test("Service names")
    func serviceNames() {
        #expect(
            ProtoRegistry.serviceNames == [
                "grpc.health.v1.Health", "voiceshop.asr.v1.ASR", "voiceshop.nlu.v1.NLU",
                "voiceshop.rec.v1.CatalogAdmin",
                "voiceshop.rec.v1.Rec", "voiceshop.testing.v1.TestService",
            ]
        )
        #expect(ProtoRegistry.methods(ofService: "voiceshop.rec.v1.CatalogAdmin").count == 7)
        #expect(ProtoRegistry.methods(ofService: "voiceshop.rec.v1.Rec").map(\.descriptor.method).contains("RecordUtterance"))
    }
}
