import Embeddings
import Testing

/// Sanity of the vectors on shopping text: the anchor must be closer to the first text than
/// to the second.
@Suite struct QualityTests {
    struct Triple: CustomTestStringConvertible, Sendable {
        var anchor: String
        var closer: String
        var farther: String
        var testDescription: String { "\(anchor) ~ \(closer) > \(farther)" }
    }

    static let triples: [Triple] = [
        Triple(anchor: "red summer dress", closer: "women's floral sundress", farther: "usb charging cable"),
        Triple(anchor: "running shoes", closer: "nike sneakers", farther: "stainless steel water bottle"),
        Triple(anchor: "iphone charger cord", closer: "usb-c lightning cable", farther: "leather handbag"),
        Triple(anchor: "big screen television", closer: "65 inch 4k smart tv", farther: "kids' rain boots"),
        Triple(anchor: "denim pants", closer: "levi's 501 jeans", farther: "coffee grinder"),
        Triple(anchor: "puppy toy", closer: "squeaky chew toy for dogs", farther: "wireless keyboard"),
        Triple(anchor: "noise cancelling headphones", closer: "sony wh-1000xm5 wireless headset", farther: "garden hose"),
        Triple(anchor: "espresso machine", closer: "coffee maker with milk frother", farther: "yoga mat"),
        Triple(anchor: "winter jacket", closer: "warm down parka coat", farther: "sunscreen spf 50"),
        Triple(anchor: "laptop backpack", closer: "bag for 15 inch notebook computer", farther: "scented candle"),
        Triple(anchor: "baby stroller", closer: "pushchair for infants", farther: "gaming mouse"),
        Triple(anchor: "moisturizing face cream", closer: "l'oréal hydrating night cream", farther: "car tire"),
        Triple(anchor: "cordless drill", closer: "battery powered screwdriver drill", farther: "silk scarf"),
        Triple(anchor: "vanilla ice cream", closer: "häagen-dazs frozen dessert", farther: "hdmi cable"),
        Triple(anchor: "men's wristwatch", closer: "analog watch with leather strap", farther: "kitchen sponge"),
        Triple(anchor: "cast iron skillet", closer: "frying pan for the stove", farther: "bluetooth speaker"),
        Triple(anchor: "tent for camping", closer: "4-person waterproof dome tent", farther: "lipstick"),
        Triple(anchor: "cheap smartphone", closer: "budget android phone", farther: "wool socks"),
        Triple(anchor: "dog food", closer: "dry kibble for adult dogs", farther: "printer ink"),
        Triple(anchor: "wedding ring", closer: "gold engagement band", farther: "lawn mower"),
        Triple(anchor: "blue jeans size 32", closer: "denim trousers 32 waist", farther: "blue tooth headphones"),
        Triple(anchor: "gluten free pasta", closer: "rice penne noodles without wheat", farther: "glue stick"),
    ]

    @Test(arguments: triples)
    func anchorIsCloserToTheRelatedText(_ triple: Triple) async throws {
        let (closer, farther) = try await TestModel.offPool { encoder in
            let anchor = encoder.encode(triple.anchor)
            return (dot(anchor, encoder.encode(triple.closer)), dot(anchor, encoder.encode(triple.farther)))
        }
        #expect(closer > farther, "\(closer) vs \(farther)")
    }

    /// Retrieval: each query's best product among a small catalogue is the intended one.
    @Test func queriesFindTheirProducts() async throws {
        let catalogue = [
            "Apple 20W USB-C Power Adapter and Lightning cable", "Samsung 65\" QLED 4K Smart TV",
            "Levi's Men's 501 Original Fit Jeans", "KONG Classic Dog Chew Toy", "Nike Air Zoom Pegasus Running Shoe",
            "Floral Print Summer Maxi Dress", "Hydro Flask 32 oz Water Bottle", "De'Longhi Espresso Machine",
        ]
        let queries = ["iphone charger", "big screen television", "denim pants", "puppy toy", "jogging sneakers",
                       "red summer dress", "insulated bottle", "coffee machine"]
        let (products, queryVectors) = try await TestModel.offPool { encoder in
            (encoder.encode(batch: catalogue), queries.map { encoder.encode($0) })
        }
        for (expected, query) in queries.enumerated() {
            let q = queryVectors[expected]
            let scores = products.map { dot($0, q) }
            let best = scores.indices.max { scores[$0] < scores[$1] }!
            #expect(best == expected, "\(query) → \(catalogue[best]), wanted \(catalogue[expected])")
        }
    }
}
