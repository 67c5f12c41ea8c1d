public import Protos
internal import Synchronization

/// Understands one utterance: validation, correction, tagging, classification, then the
/// rules that turn slots into filters, numbers, sizes and references.
///
/// The gazetteer can be replaced while calls run (`update(vocabulary:)`, by `VocabularySync`);
/// each call uses the gazetteer it started with.
public final class NLUEngine: Sendable {
    public let model: NLUModel
    /// Below this intent probability the response says `low_confidence`.
    public let confidenceThreshold: Float
    /// The longest text accepted, in Unicode scalars.
    public static let maximumLength = 1_000
    /// Everyday English, which the corrector does not turn into catalog names on spelling alone.
    public let englishWords: EnglishWords
    private let modelFingerprint: String
    private let state: Mutex<Gazetteer>

    /// - Parameters:
    ///   - model: the trained models.
    ///   - vocabulary: the catalog names to correct and normalize to.
    ///   - confidenceThreshold: see `confidenceThreshold`.
    ///   - englishWords: see `englishWords`; empty turns that check off.
    public init(
        model: NLUModel, vocabulary: CatalogVocabulary, confidenceThreshold: Float = 0.5, englishWords: EnglishWords = EnglishWords()
    ) {
        self.model = model
        self.confidenceThreshold = confidenceThreshold
        self.englishWords = englishWords
        modelFingerprint = model.fingerprint
        state = Mutex(Gazetteer(vocabulary))
    }

    /// The gazetteer in use.
    public var gazetteer: Gazetteer { state.withLock { $0 } }

    /// The model and vocabulary in use, as `Parse` reports them (`<model>+vocab-<version>`).
    public var modelVersion: String { Self.modelVersion(modelFingerprint, gazetteer) }

    private static func modelVersion(_ fingerprint: String, _ gazetteer: Gazetteer) -> String { "\(fingerprint)+vocab-\(gazetteer.version)" }

    /// Replaces the gazetteer (a new catalog vocabulary version).
    public func update(vocabulary: CatalogVocabulary) {
        let gazetteer = Gazetteer(vocabulary)
        state.withLock { $0 = gazetteer }
    }

    /// Checks the text of a request.
    /// - Throws: `NLUError` (`.invalidInput`) for empty or too long text.
    public static func validate(_ text: String) throws(NLUError) {
        if text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            throw NLUError(code: .invalidInput, message: "text is empty; send what the shopper said.")
        }
        let length = text.unicodeScalars.count
        if length > maximumLength {
            throw NLUError(
                code: .invalidInput,
                message: "text is \(length) characters long; the limit is 1,000 (one spoken utterance).")
        }
    }

    /// Checks raw bytes that should be the text (for callers that have bytes, not a `String`).
    /// - Throws: `NLUError` (`.invalidInput`) when they are not valid UTF-8, or as `validate(_:)`.
    public static func validate(utf8 bytes: [UInt8]) throws(NLUError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NLUError(code: .invalidInput, message: "text is not valid UTF-8.")
        }
        try validate(text)
        return text
    }

    /// Parses one request.
    /// - Throws: `NLUError` (`.invalidInput`) for empty, too long or invalid text.
    public func parse(_ request: NLUV1.ParseRequest) throws(NLUError) -> NLUV1.ParseResponse {
        try Self.validate(request.text)
        let gazetteer = self.gazetteer
        let context = request.context ?? NLUV1.SessionContext()
        var response = NLUV1.ParseResponse()
        response.modelVersion = Self.modelVersion(modelFingerprint, gazetteer)
        let heard = Utterance(request.text).tokens
        let corrector = Corrector(model: model, gazetteer: gazetteer, englishWords: englishWords)
        // Text the models cannot read: another language, by locale or by its words. Checked
        // before correction, which would otherwise turn foreign words into catalog names.
        let locale = request.locale.lowercased()
        let unknown = heard.filter { !corrector.isKnown($0) }.count
        let foreignLetters = heard.filter { $0.unicodeScalars.contains { $0.value > 0x24F && $0.properties.isAlphabetic } }.count
        let foreign =
            (!locale.isEmpty && !locale.hasPrefix("en")) || foreignLetters * 2 > heard.count
            || (heard.count >= 2 && unknown * 4 >= heard.count * 3)
        let (tokens, corrections) = foreign ? (heard, []) : corrector.correct(heard, alternatives: request.alternatives)
        let utterance = Utterance(tokens: tokens)
        response.correctedText = utterance.text
        response.corrections = corrections
        guard !tokens.isEmpty else {
            return outOfScope(response, reason: "no words")
        }
        let prediction = model.predict(tokens, gazetteer: gazetteer)
        if foreign {
            return outOfScope(response, reason: locale.isEmpty ? "unknown language" : "language \(request.locale)", prediction: prediction)
        }
        let ranked = prediction.intents.map { (Self.intent($0.label), $0.probability) }
        response.intent = ranked[0].0
        response.confidence = ranked[0].1
        response.topIntents = ranked.prefix(3).map { NLUV1.IntentScore(intent: $0.0, confidence: $0.1) }
        response.lowConfidence = response.confidence < confidenceThreshold
        fill(&response, utterance: utterance, prediction: prediction, gazetteer: gazetteer, context: context)
        response.replyHint = ReplyHint.make(response, tokens: tokens, tags: prediction.tags)
        return response
    }

    private func outOfScope(_ base: NLUV1.ParseResponse, reason: String, prediction: NLUModel.Prediction? = nil)
        -> NLUV1.ParseResponse
    {
        var response = base
        response.intent = .outOfScope
        // The classifier's probability for out-of-scope, capped: we are guessing.
        let probability = prediction?.intents.first(where: { $0.label == "out_of_scope" })?.probability ?? 0
        response.confidence = min(0.3, max(probability, 0.05))
        response.topIntents = [NLUV1.IntentScore(intent: .outOfScope, confidence: response.confidence)]
        if let prediction {
            for (label, probability) in prediction.intents where label != "out_of_scope" && response.topIntents.count < 3 {
                response.topIntents.append(NLUV1.IntentScore(intent: Self.intent(label), confidence: min(probability, response.confidence)))
            }
        }
        response.lowConfidence = true
        response.replyHint = "not understood (\(reason))"
        return response
    }

    /// The proto intent of a model label ("search_products").
    static func intent(_ label: String) -> NLUV1.Intent {
        switch label {
        case "search_products": .searchProducts
        case "ask_price": .askPrice
        case "compare_prices": .comparePrices
        case "read_reviews": .readReviews
        case "product_details": .productDetails
        case "add_to_cart": .addToCart
        case "remove_from_cart": .removeFromCart
        case "view_cart": .viewCart
        case "checkout": .checkout
        case "order_status": .orderStatus
        case "track_shipment": .trackShipment
        case "return_item": .returnItem
        case "customer_service": .customerService
        case "greeting_help": .greetingHelp
        default: .outOfScope
        }
    }

    /// Slots, filters, sort, quantity, order id, product references and search text.
    private func fill(
        _ response: inout NLUV1.ParseResponse, utterance: Utterance, prediction: NLUModel.Prediction, gazetteer: Gazetteer,
        context: NLUV1.SessionContext
    ) {
        let tokens = utterance.tokens
        let offsets = utterance.offsets
        var filters = NLUV1.Filters()
        var ordinals: [Int] = []
        var hasSubject = false
        for span in TaggedUtterance.spans(prediction.tags) {
            let words = Array(tokens[span.start..<span.end])
            // A colour, material or category that is only a number ("red ten", "a ten year old")
            // is the tagger's slip: no such name is, and a filter on it would only empty the
            // results. The words stay in the search text.
            if ["color", "material", "category"].contains(span.name), words.allSatisfy(SpokenNumbers.isNumberWord) { continue }
            let value = words.joined(separator: " ")
            let normalized = SlotNormalizer.normalize(span.name, words, gazetteer: gazetteer)
            var slot = NLUV1.Slot()
            slot.name = span.name
            slot.value = value
            slot.normalized = normalized.text
            slot.start = Int32(offsets[span.start].start)
            slot.end = Int32(offsets[span.end - 1].end)
            slot.tokenStart = Int32(span.start)
            slot.tokenEnd = Int32(span.end)
            slot.confidence = prediction.tagConfidence[span.start..<span.end].min() ?? 0
            response.slots.append(slot)
            switch span.name {
            case "brand": if filters.brand.isEmpty { filters.brand = normalized.text }
            case "category":
                if filters.category.isEmpty { filters.category = normalized.text }
                hasSubject = true
            case "product": hasSubject = true
            case "color": if filters.color.isEmpty { filters.color = normalized.text }
            case "size": if filters.size.isEmpty { filters.size = normalized.text }
            case "material": if filters.material.isEmpty { filters.material = normalized.text }
            case "price_min", "price_max":
                guard let amount = normalized.number else { break }
                if span.name == "price_min" { filters.priceMin = amount } else { filters.priceMax = amount }
                if !normalized.currency.isEmpty { filters.currency = normalized.currency }
            case "rating_min": if let rating = normalized.number { filters.ratingMin = Float(rating) }
            case "quantity": if response.quantity == 0, let number = normalized.number { response.quantity = Int32(number) }
            case "order_id": if response.orderID.isEmpty { response.orderID = normalized.text }
            case "ordinal": if let number = normalized.number { ordinals.append(Int(number)) }
            case "sort": if response.sort == .unspecified { response.sort = SlotNormalizer.sort(words) }
            default: break
            }
        }
        if filters.priceMin > 0, filters.priceMax > 0, filters.priceMin > filters.priceMax {
            swap(&filters.priceMin, &filters.priceMax)
        }
        // "in blue", "what about under thirty": a search without a subject refines the last one.
        if response.intent == .searchProducts, !hasSubject, filters.brand.isEmpty, let previous = context.previousFilters {
            var merged = previous
            if !filters.color.isEmpty { merged.color = filters.color }
            if !filters.size.isEmpty { merged.size = filters.size }
            if !filters.material.isEmpty { merged.material = filters.material }
            if filters.priceMin > 0 { merged.priceMin = filters.priceMin }
            if filters.priceMax > 0 { merged.priceMax = filters.priceMax }
            if !filters.currency.isEmpty { merged.currency = filters.currency }
            if filters.ratingMin > 0 { merged.ratingMin = filters.ratingMin }
            filters = merged
        }
        response.filters = filters
        if response.orderID.isEmpty,
            [.orderStatus, .trackShipment, .returnItem].contains(response.intent) && !context.previousOrderID.isEmpty
        {
            response.orderID = context.previousOrderID
        }
        response.productIDs = References.resolve(
            tokens: tokens, ordinals: ordinals, intent: response.intent, previous: context.previousProductIDs,
            focus: context.focusProductID)
        response.searchText = SlotNormalizer.searchText(tokens, tags: prediction.tags)
    }
}
