import Protos
import RecService
import Testing

@Suite struct ProductRowParserTests {
    @Test func jsonlRowWithEveryField() throws {
        var parser = ProductRowParser(format: .jsonl)
        let product = try #require(
            try parser.parse(
                text: """
                    {"sku": " VS-1 ", "title": "Floral  Sundress", "description": "Light cotton.", "brand": "Zara", \
                    "category": "Women / Dresses/Summer", "price": 39.999, "currency": "usd", \
                    "attributes": {"Color": "Red", "size": ["S", "M", "m"], "material": "cotton"}, "stock": 4, \
                    "rating": 4.5, "review_count": 12, "image_url": "https://example.com/1.jpg"}
                    """))
        #expect(product.sku == "VS-1")
        #expect(product.title == "Floral Sundress")
        #expect(product.category == "Women/Dresses/Summer")
        #expect(product.price == 40.0)
        #expect(product.currency == "USD")
        #expect(product.attributes == ["color": ["Red"], "size": ["S", "M"], "material": ["cotton"]])
        #expect(product.stock == 4 && product.rating == 4.5 && product.reviewCount == 12)
    }

    @Test func onlySkuTitleAndPriceAreRequired() throws {
        var parser = ProductRowParser(format: .jsonl)
        let product = try #require(try parser.parse(text: #"{"sku": "a", "title": "Mug", "price": 5}"#))
        #expect(product.currency == "USD" && product.brand.isEmpty && product.attributes.isEmpty)
    }

    @Test(arguments: [
        (#"{"title": "x", "price": 1}"#, "sku", "is required"),
        (#"{"sku": "a", "title": "x", "price": -1}"#, "price", "positive"),
        (#"{"sku": "a", "title": "x", "price": "abc"}"#, "price", "must be a number"),
        (#"{"sku": "a", "title": "", "price": 1}"#, "title", "is required"),
        (#"{"sku": "a", "title": "x", "price": 1, "attributes": "red"}"#, "attributes", "must be an object"),
        (#"{"sku": "a", "title": "x", "price": 1, "currency": "usd1"}"#, "currency", "ISO 4217"),
        (#"{"sku": "a", "title": "x", "price": 1, "colour": "red"}"#, "colour", "unknown field"),
        (#"{"sku": "a", "title": "x", "price": 1, "stock": 2.5}"#, "stock", "whole number"),
        (#"{"sku": "a", "title": "x", "price": 1, "rating": 7}"#, "rating", "from 0 to 5"),
        (#"{"sku": "a", "title": "x"#, "", "not valid JSON"),
        (#"[1, 2]"#, "", "JSON object"),
    ])
    func badJSONLRowsSayWhatIsWrong(row: String, field: String, message: String) {
        var parser = ProductRowParser(format: .jsonl)
        #expect {
            _ = try parser.parse(text: row)
        } throws: { error in
            guard let problem = error as? RowProblem else { return false }
            return problem.field == field && problem.message.contains(message)
        }
    }

    @Test func csvWithHeaderQuotesAndAttributeColumns() throws {
        var parser = ProductRowParser(format: .csv)
        #expect(try parser.parse(text: "sku,title,price,brand,color,size,description") == nil)
        let product = try #require(
            try parser.parse(text: #"c1,"Jeans, slim ""501""",59.5,Levi's,blue,30|32|34,"Two\nlines""#))
        #expect(product.title == #"Jeans, slim "501""#)
        #expect(product.attributes == ["color": ["blue"], "size": ["30", "32", "34"]])
        #expect(product.description == "Two\\nlines")
        #expect(throws: RowProblem.self) { try parser.parse(text: "c2,only two") }
        #expect(throws: RowProblem.self) { try parser.parse(text: #"c3,"open quote,1,b,c,d,e"#) }
    }

    @Test func mercariExportRows() throws {
        var parser = ProductRowParser(format: .mercariTsv)
        #expect(try parser.parse(text: ProductRowParser.mercariColumns.joined(separator: "\t")) == nil)
        let product = try #require(
            try parser.parse(text: "7\tPlayStation 1 games\t3\tElectronics/Video Games & Consoles/Games\tSony\t25.0\t1\tNo description yet"))
        #expect(product.sku == "mercari-7")
        #expect(product.brand == "Sony" && product.category == "Electronics/Video Games & Consoles/Games")
        #expect(product.description.isEmpty)
        #expect(product.attributes == ["condition": ["good"], "shipping": ["free"]])
        #expect(throws: RowProblem.self) { try parser.parse(text: "8\tFree thing\t1\tHome\t\t0\t0\tx") }
    }
}
