"""nlu-svc as a stock grpcio client sees it: Parse with filters, corrections from the
gazetteer and from ASR alternatives, session references, bad input as INVALID_ARGUMENT
(including text that is not UTF-8, sent as raw protobuf bytes), other languages as
INTENT_OUT_OF_SCOPE, and the gazetteer following a (fake, grpcio) rec-svc Vocabulary."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from concurrent import futures

import grpc
import pytest

import servers


def start_nlu(*flags: str) -> tuple[subprocess.Popen, str]:
    binary = servers.REPO_ROOT / ".build" / "debug" / "nlu-svc"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: `swift build` (make test does it) builds every executable")
    process = subprocess.Popen(
        [str(binary), "--listen", "127.0.0.1:0", *flags], cwd=servers.REPO_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # The admin port ("metrics_listening") may be logged first.
    record = None
    try:
        for _ in range(10):
            record = json.loads(process.stdout.readline())
            if "listening" in record:
                return process, record["listening"]
    except ValueError:
        pass
    process.kill()
    process.wait(timeout=10)
    raise AssertionError(f"nlu-svc never logged its address: {record}")


def stop(process: subprocess.Popen) -> list[dict]:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    return [json.loads(line) for line in process.stdout.read().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def nlu(pb):
    process, address = start_nlu()
    with grpc.insecure_channel(address) as channel:
        yield pb.nlu_pb2_grpc.NLUStub(channel), channel
    stop(process)


def test_search_with_filters(pb, nlu):
    stub, _ = nlu
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me red dresses under fifty bucks"), timeout=10)
    assert reply.intent == pb.nlu_pb2.INTENT_SEARCH_PRODUCTS
    assert not reply.low_confidence and len(reply.top_intents) == 3
    assert (reply.filters.color, reply.filters.category, reply.filters.price_max) == ("red", "Dresses", 50)
    assert reply.reply_hint == "red dresses under $50"
    price = next(slot for slot in reply.slots if slot.name == "price_max")
    assert reply.corrected_text[price.start:price.end] == "fifty bucks" and price.normalized == "50"


def test_misheard_brand_and_alternatives(pb, nlu):
    stub, _ = nlu
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me mike running shoes"), timeout=10)
    assert reply.filters.brand == "Nike" and reply.corrections[0].to == "nike"
    alternatives = [pb.nlu_pb2.AsrAlternative(transcript="show me nike shoes", confidence=0.3)]
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me nikey shoes", alternatives=alternatives), timeout=10)
    assert reply.corrected_text == "show me nike shoes"
    assert "asr alternative 1" in reply.corrections[0].reason


def test_untouched_common_words(pb, nlu):
    stub, _ = nlu
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="shoes under fifty"), timeout=10)
    assert reply.corrected_text == "shoes under fifty" and not reply.corrections
    assert reply.filters.price_max == 50


def test_english_words_flag(pb, nlu):
    # By default (Debian's wamerican list) an everyday word is not "corrected" into a brand...
    stub, _ = nlu
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me something nice for my mom"), timeout=10)
    assert not reply.corrections and reply.filters.brand == ""
    # ...with the check off it is, which is what the list is there for.
    process, address = start_nlu("--english-words", "none")
    try:
        with grpc.insecure_channel(address) as channel:
            off = pb.nlu_pb2_grpc.NLUStub(channel).Parse(
                pb.nlu_pb2.ParseRequest(text="show me something nice for my mom"), timeout=10)
        assert off.corrections[0].to == "nike"
    finally:
        stop(process)
    # A missing list stops the start with the way out in the message.
    binary = servers.REPO_ROOT / ".build" / "debug" / "nlu-svc"
    failed = subprocess.run(
        [str(binary), "--listen", "127.0.0.1:0", "--english-words", "/nonexistent/words"], cwd=servers.REPO_ROOT,
        capture_output=True, text=True, timeout=30)
    assert failed.returncode == 2
    assert "/nonexistent/words" in failed.stderr and "wamerican" in failed.stderr and "--english-words none" in failed.stderr


def test_session_references(pb, nlu):
    stub, _ = nlu
    context = pb.nlu_pb2.SessionContext(previous_product_ids=["7", "8", "9"], previous_order_id="1042")
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="add two of those", context=context), timeout=10)
    assert reply.intent == pb.nlu_pb2.INTENT_ADD_TO_CART and reply.quantity == 2
    assert list(reply.product_ids) == ["7", "8", "9"]
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="how much is the second one", context=context), timeout=10)
    assert list(reply.product_ids) == ["8"]
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="where is my order one zero four two"), timeout=10)
    assert reply.intent == pb.nlu_pb2.INTENT_ORDER_STATUS and reply.order_id == "1042"


@pytest.mark.parametrize(
    "body, complaint",
    [
        (b"", "empty"),
        (b"\x0a\x03   ", "empty"),
        (b"\x0a\xe9\x07" + b"a" * 1001, "1,000"),
        (b"\x0a\x04sh\xff\xfe", "UTF-8"),
    ],
)
def test_bad_input_is_invalid_argument(nlu, body, complaint):
    _, channel = nlu
    call = channel.unary_unary("/voiceshop.nlu.v1.NLU/Parse", request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as error:
        call(body, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert complaint in error.value.details()


def test_other_language_is_out_of_scope(pb, nlu):
    stub, _ = nlu
    reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="quiero comprar unos zapatos rojos para mi hermana"), timeout=10)
    assert reply.intent == pb.nlu_pb2.INTENT_OUT_OF_SCOPE and reply.low_confidence


def test_gazetteer_follows_rec_vocabulary(pb):
    """A grpcio stand-in for rec-svc serves Vocabulary; nlu-svc picks up a brand that is not in
    the demo catalog, and keeps serving when the stand-in goes away."""
    calls = []

    def vocabulary(request, context):
        calls.append(request.known_version)
        if request.known_version == 5:
            return pb.rec_pb2.VocabularyResponse(version=5, unchanged=True)
        return pb.rec_pb2.VocabularyResponse(version=5, brands=["Zorblax", "Nike"], categories=["Shoes/Running"], colors=["red"])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler("voiceshop.rec.v1.Rec", {
        "Vocabulary": grpc.unary_unary_rpc_method_handler(
            vocabulary, request_deserializer=pb.rec_pb2.VocabularyRequest.FromString,
            response_serializer=pb.rec_pb2.VocabularyResponse.SerializeToString),
    })
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    process, address = start_nlu("--rec-addr", f"127.0.0.1:{port}", "--vocabulary-interval-seconds", "1")
    try:
        with grpc.insecure_channel(address) as channel:
            stub = pb.nlu_pb2_grpc.NLUStub(channel)
            deadline = time.monotonic() + 15
            while True:
                reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me zorblax running shoes"), timeout=10)
                if reply.filters.brand == "Zorblax" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert reply.filters.brand == "Zorblax" and "rec-5" in reply.model_version
            while len(calls) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert calls[:2] == [0, 5]
            server.stop(0)
            time.sleep(1.5)
            reply = stub.Parse(pb.nlu_pb2.ParseRequest(text="show me zorblax running shoes"), timeout=10)
            assert reply.filters.brand == "Zorblax"
    finally:
        server.stop(0)
        lines = stop(process)
    assert any(line["msg"].startswith("rec-svc vocabulary unavailable") for line in lines)
