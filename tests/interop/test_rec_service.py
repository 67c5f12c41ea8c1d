"""rec-svc with a real PostgreSQL, called by a stock grpcio client: the client-streaming
import with bad rows, search with filters and facets, carts and orders with their error
statuses, and forget-me."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from types import SimpleNamespace

import grpc
import pytest

from test_services import binary, start


@contextlib.contextmanager
def serving(pb, database_url, *flags):
    """A rec-svc on the test database, once it is SERVING."""
    process, address = start("rec-svc", "--database-url", database_url, *flags)
    channel = grpc.insecure_channel(address)
    health = pb.health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + 15
    while health.Check(pb.health_pb2.HealthCheckRequest(), timeout=5).status != pb.health_pb2.HealthCheckResponse.SERVING:
        assert time.monotonic() < deadline, "rec-svc never became SERVING"
        time.sleep(0.05)
    try:
        yield SimpleNamespace(
            stub=pb.rec_pb2_grpc.RecStub(channel), admin=pb.rec_pb2_grpc.CatalogAdminStub(channel), channel=channel,
            address=address)
    finally:
        channel.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


@pytest.fixture
def rec(pb, database_url):
    with serving(pb, database_url) as server:
        yield server


def rows(pb, lines):
    options = pb.rec_pb2.ImportOptions(format=pb.rec_pb2.IMPORT_FORMAT_JSONL, source="interop")
    yield pb.rec_pb2.ImportProductsRequest(options=options)
    for number, line in enumerate(lines, start=1):
        yield pb.rec_pb2.ImportProductsRequest(line_number=number, text=line)


CATALOG = [
    {"sku": "i-1", "title": "Red Floral Summer Dress", "price": 39.99, "brand": "Zara", "category": "Women/Dresses/Summer",
     "attributes": {"color": "red", "size": ["S", "M"]}, "stock": 5, "rating": 4.5, "review_count": 20},
    {"sku": "i-2", "title": "Red Linen Summer Dress", "price": 45, "brand": "Mango", "category": "Women/Dresses/Summer",
     "attributes": {"color": "red", "size": ["M"]}, "stock": 2},
    {"sku": "i-3", "title": "Blue Summer Dress", "price": 29, "brand": "Zara", "category": "Women/Dresses/Summer",
     "attributes": {"color": "blue"}, "stock": 9},
    {"sku": "i-4", "title": "Red Evening Dress", "price": 120, "brand": "Zara", "category": "Women/Dresses/Evening",
     "attributes": {"color": "red"}, "stock": 1},
]


def test_import_then_search_with_filters_and_facets(pb, rec):
    stub, admin = rec.stub, rec.admin
    lines = [json.dumps(row) for row in CATALOG] + ['{"sku": "bad", "price": 3}', "not json"]
    reply = admin.ImportProducts(rows(pb, lines), timeout=30)
    assert (reply.rows_received, reply.rows_created, reply.rows_failed) == (6, 4, 2)
    assert [(e.line_number, e.field) for e in reply.errors] == [(5, "title"), (6, "")]

    filters = pb.rec_pb2.SearchFilters(color="red", price_max=50, category="dresses")
    found = stub.Search(pb.rec_pb2.SearchRequest(query="summer dress", filters=filters, sort=pb.rec_pb2.SORT_PRICE_ASC), timeout=10)
    assert [r.product.sku for r in found.results] == ["i-1", "i-2"]
    assert found.total_matches == 2
    assert sorted((f.value, f.count) for f in found.facets.brands) == [("Mango", 1), ("Zara", 1)]
    assert all("matches" in r.why for r in found.results)

    # Nothing green: the colour filter is relaxed and the reply says so.
    relaxed = stub.Search(pb.rec_pb2.SearchRequest(query="dress", filters=pb.rec_pb2.SearchFilters(color="green")), timeout=10)
    assert list(relaxed.relaxed_filters) == ["color"] and relaxed.total_matches == 4


def test_ranking_weights_come_from_the_configuration(pb, database_url):
    # Only the stock counts: every result scores exactly the stock weight times its stock part
    # (1 in stock, 0 not), whatever its words, vector, popularity or rating.
    weights = ["--weight-text", "0", "--weight-vector", "0", "--weight-personal", "0", "--weight-popularity", "0",
               "--weight-rating", "0", "--weight-stock", "2.5"]
    with serving(pb, database_url, *weights) as server:
        server.admin.ImportProducts(rows(pb, [json.dumps(row) for row in CATALOG]), timeout=30)
        found = server.stub.Search(pb.rec_pb2.SearchRequest(query="dress", page_size=10), timeout=10)
        assert len(found.results) >= 4
        assert all(abs(result.score - 2.5 * result.breakdown.stock) < 1e-6 for result in found.results)
        assert any(abs(result.score - 2.5) < 1e-6 for result in found.results)
    with serving(pb, database_url) as server:
        found = server.stub.Search(pb.rec_pb2.SearchRequest(query="dress", page_size=10), timeout=10)
        assert len({round(result.score, 6) for result in found.results}) > 1


def test_a_bad_ranking_weight_exits_2_naming_it():
    result = subprocess.run([str(binary("rec-svc")), "--database-url", "host=/nonexistent", "--weight-vector", "lots"],
                            capture_output=True, text=True, timeout=15)
    assert result.returncode == 2
    assert "--weight-vector must be a number from 0 to 100, not 'lots'" in result.stderr


def test_cart_order_statuses(pb, rec):
    stub, admin = rec.stub, rec.admin
    admin.ImportProducts(rows(pb, [json.dumps(row) for row in CATALOG]), timeout=30)
    product = stub.GetProduct(pb.rec_pb2.GetProductRequest(sku="i-2"), timeout=10)
    cart = stub.AddToCart(pb.rec_pb2.AddToCartRequest(user_id="ann", product_id=product.id, quantity=2), timeout=10)
    assert cart.item_count == 2 and cart.subtotal == 90
    with pytest.raises(grpc.RpcError) as error:
        stub.AddToCart(pb.rec_pb2.AddToCartRequest(user_id="ann", product_id=product.id, quantity=1), timeout=10)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "left in stock" in error.value.details()
    order = stub.Checkout(pb.rec_pb2.CheckoutRequest(user_id="ann", idempotency_key="x"), timeout=10)
    assert order.total == 90 and int(order.id) > 10000
    with pytest.raises(grpc.RpcError) as error:
        stub.GetOrder(pb.rec_pb2.GetOrderRequest(order_id=order.id, user_id="ben"), timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as error:
        stub.GetOrder(pb.rec_pb2.GetOrderRequest(order_id="424242", user_id="ann"), timeout=10)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as error:
        stub.GetOrder(pb.rec_pb2.GetOrderRequest(order_id="abc", user_id="ann"), timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    forgotten = stub.ForgetUser(pb.rec_pb2.ForgetUserRequest(user_id="ann", reason="interop"), timeout=10)
    assert forgotten.existed and forgotten.audit_id
    with pytest.raises(grpc.RpcError) as error:
        stub.GetOrder(pb.rec_pb2.GetOrderRequest(order_id=order.id, user_id="ann"), timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_malformed_protobuf_is_invalid_argument(rec):
    call = rec.channel.unary_unary("/voiceshop.rec.v1.Rec/Search", request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as error:
        call(b"\x0a\xff\xff", timeout=10)  # field 1 claims 16k bytes that are not there
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_load_demo_command(database_url):
    result = subprocess.run(
        [str(binary("rec-svc")), "load-demo", "--database-url", database_url],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = [json.loads(line) for line in result.stdout.splitlines() if '"demo catalog loaded"' in line]
    assert loaded and loaded[0]["products"] >= 300 and loaded[0]["orders"] >= 10


def cli_import(path, address):
    """`voiceshop catalog import PATH --target ADDRESS`, its output captured."""
    return subprocess.run(
        [str(binary("voiceshop")), "catalog", "import", str(path), "--target", address], capture_output=True, text=True, timeout=60)


def test_cli_import_streams_files_and_lists_bad_lines(pb, rec, tmp_path):
    stub, address = rec.stub, rec.address
    demo_bad = binary("rec-svc").parents[2] / "services" / "rec-svc" / "demo" / "bad-rows.jsonl"
    result = cli_import(demo_bad, address)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 created" in result.stdout
    assert [line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("line ")] == [
        "line 2", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9"]

    # CSV with a quoted field spanning two lines; all rows good, exit 0.
    csv = tmp_path / "catalog.csv"
    csv.write_text('sku,title,price,brand,color,size,description\n'
                   'c-1,"Denim Jacket, washed",79.5,Levi\'s,blue,S|M|L,"Classic fit.\nMachine washable."\n'
                   'c-2,Canvas Tote,19,IKEA,beige,,\n')
    result = cli_import(csv, address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 created" in result.stdout
    jacket = stub.GetProduct(pb.rec_pb2.GetProductRequest(sku="c-1"), timeout=10)
    assert jacket.title == "Denim Jacket, washed" and jacket.description == "Classic fit.\nMachine washable."
    assert sorted(a.value for a in jacket.attributes if a.name == "size") == ["L", "M", "S"]

    # The Mercari export (tab-separated, as scripts/fetch-datasets writes it): the listing id
    # becomes the sku, the condition and free shipping attributes; a price of 0 is refused
    # by its line number, and the rest is imported.
    tsv = tmp_path / "mercari.tsv"
    tsv.write_text("train_id\tname\titem_condition_id\tcategory_name\tbrand_name\tprice\tshipping\titem_description\n"
                   "901\tVintage Denim Jacket\t3\tWomen/Coats & Jackets/Jean Jackets\tLevi's\t35.0\t1\tWorn twice, no stains\n"
                   "902\tFree sticker\t1\tOther/Office supplies/Stickers\t\t0\t0\tNo description yet\n"
                   "903\tPhone case\t1\tElectronics/Cell Phones & Accessories/Cases\t\t8.0\t0\tNo description yet\n")
    result = cli_import(tsv, address)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 created" in result.stdout
    assert [line.split(":")[0] for line in result.stdout.splitlines() if line.startswith("line ")] == ["line 3"]
    jacket = stub.GetProduct(pb.rec_pb2.GetProductRequest(sku="mercari-901"), timeout=10)
    assert (jacket.title, jacket.brand, jacket.category, jacket.price) == (
        "Vintage Denim Jacket", "Levi's", "Women/Coats & Jackets/Jean Jackets", 35.0)
    assert {(a.name, a.value) for a in jacket.attributes} >= {("condition", "good"), ("shipping", "free")}
    assert stub.GetProduct(pb.rec_pb2.GetProductRequest(sku="mercari-903"), timeout=10).description == ""
    # Idempotent by sku: the same file again creates nothing.
    again = cli_import(tsv, address)
    assert "0 created" in again.stdout, again.stdout
