internal import Synchronization

/// A process's Prometheus metrics: counters, gauges and histograms with labels, plus
/// collectors that are sampled when the metrics are scraped (pool sizes, index sizes).
///
/// Families render in the order they were registered, their series sorted by label values,
/// in the Prometheus text format 0.0.4. Label sets must be bounded: pass method names,
/// status codes and intents, never ids or user text.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[any MetricFamily]>([])

    /// An empty registry.
    public init() {}

    /// Registers a counter. Counter names end in `_total`.
    public func counter(_ name: String, help: String, labels: [String] = []) -> Counter {
        precondition(name.hasSuffix("_total"), "a counter's name ends in _total: \(name)")
        return register(Counter(name: name, help: help, labelNames: labels))
    }

    /// Registers a gauge that callers set.
    public func gauge(_ name: String, help: String, labels: [String] = []) -> Gauge {
        register(Gauge(name: name, help: help, labelNames: labels))
    }

    /// Registers a histogram with the given upper bounds (ascending; `+Inf` is implicit).
    public func histogram(_ name: String, help: String, labels: [String] = [], buckets: [Double] = Histogram.latencyBuckets) -> Histogram {
        register(Histogram(name: name, help: help, labelNames: labels, bounds: buckets))
    }

    /// Registers values read at scrape time: `sample` returns one value per label set.
    public func collect(
        _ name: String, help: String, type: CollectedMetric.Kind = .gauge, labels: [String] = [],
        _ sample: @escaping @Sendable () -> [(labels: [String], value: Double)]
    ) {
        _ = register(CollectedMetric(name: name, help: help, kind: type, labelNames: labels, sample: sample))
    }

    /// Registers a one-value gauge read at scrape time.
    public func collect(_ name: String, help: String, type: CollectedMetric.Kind = .gauge, _ value: @escaping @Sendable () -> Double) {
        collect(name, help: help, type: type, labels: []) { [([], value())] }
    }

    /// Registers histograms whose buckets are read at scrape time (for counts kept elsewhere,
    /// such as per-method statistics updated without a registry lookup).
    /// - Parameter sample: per label set, the count in each bucket of `bounds` plus `+Inf`
    ///   (not cumulative), the sum and the count.
    public func collectHistogram(
        _ name: String, help: String, labels: [String], bounds: [Double],
        _ sample: @escaping @Sendable () -> [(labels: [String], buckets: [UInt64], sum: Double, count: UInt64)]
    ) {
        _ = register(CollectedHistogram(name: name, help: help, labelNames: labels, bounds: bounds, sample: sample))
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    public func render() -> String {
        let families = self.families.withLock { $0 }
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(PrometheusText.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.typeName)\n"
            family.render(into: &out)
        }
        return out
    }

    /// The content type of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private func register<Family: MetricFamily>(_ family: Family) -> Family {
        precondition(PrometheusText.isValidName(family.name), "not a Prometheus metric name: \(family.name)")
        for label in family.labelNames {
            precondition(PrometheusText.isValidName(label) && label != "le", "not a usable label name: \(label)")
        }
        families.withLock { families in
            precondition(!families.contains { $0.name == family.name }, "metric \(family.name) registered twice")
            families.append(family)
        }
        return family
    }
}

/// What the registry renders.
protocol MetricFamily: Sendable {
    var name: String { get }
    var help: String { get }
    var typeName: String { get }
    var labelNames: [String] { get }
    func render(into out: inout String)
}

/// Series of one value per label set: what counters and gauges share.
final class ValueSeries: Sendable {
    let name: String
    let labelNames: [String]
    private let values = Mutex<[[String]: Double]>([:])

    init(name: String, labelNames: [String]) {
        self.name = name
        self.labelNames = labelNames
        if labelNames.isEmpty { values.withLock { $0[[]] = 0 } }
    }

    func update(_ labels: [String], _ change: (inout Double) -> Void) {
        precondition(labels.count == labelNames.count, "\(name) takes labels \(labelNames)")
        values.withLock { change(&$0[labels, default: 0]) }
    }

    func value(_ labels: [String]) -> Double { values.withLock { $0[labels] ?? 0 } }

    func retain(only keep: Set<[String]>) { values.withLock { values in values = values.filter { keep.contains($0.key) } } }

    func render(into out: inout String) {
        let snapshot = values.withLock { $0 }
        for (labels, value) in snapshot.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out += "\(name)\(PrometheusText.labels(labelNames, labels)) \(PrometheusText.number(value))\n"
        }
    }
}

/// A monotonically increasing count.
public final class Counter: MetricFamily, Sendable {
    let help: String
    private let series: ValueSeries
    var name: String { series.name }
    var labelNames: [String] { series.labelNames }
    var typeName: String { "counter" }

    init(name: String, help: String, labelNames: [String]) {
        self.help = help
        series = ValueSeries(name: name, labelNames: labelNames)
    }

    /// Adds `amount` (≥ 0) to the series with these label values.
    public func increment(_ labels: [String] = [], by amount: Double = 1) {
        guard amount > 0 else { return }
        series.update(labels) { $0 += amount }
    }

    /// Creates the series with these label values at 0, so it is exported (and `rate()` has a
    /// start) before the first increment.
    public func initialize(_ labels: [String] = []) {
        series.update(labels) { _ in }
    }

    /// The current value of a series (0 when it was never incremented).
    public func value(_ labels: [String] = []) -> Double { series.value(labels) }

    func render(into out: inout String) { series.render(into: &out) }
}

/// A value that goes up and down.
public final class Gauge: MetricFamily, Sendable {
    let help: String
    private let series: ValueSeries
    var name: String { series.name }
    var labelNames: [String] { series.labelNames }
    var typeName: String { "gauge" }

    init(name: String, help: String, labelNames: [String]) {
        self.help = help
        series = ValueSeries(name: name, labelNames: labelNames)
    }

    /// Sets a series.
    public func set(_ value: Double, _ labels: [String] = []) { series.update(labels) { $0 = value } }

    /// Adds to a series (negative to subtract).
    public func add(_ amount: Double, _ labels: [String] = []) { series.update(labels) { $0 += amount } }

    /// Removes every series whose labels are not in `keep` (for info-style gauges whose
    /// label is a version that changes).
    public func retain(only keep: Set<[String]>) { series.retain(only: keep) }

    /// The current value of a series.
    public func value(_ labels: [String] = []) -> Double { series.value(labels) }

    func render(into out: inout String) { series.render(into: &out) }
}

/// Observations counted into buckets, with their sum and count.
public final class Histogram: MetricFamily, Sendable {
    /// Bounds for latencies in seconds, from 0.5 ms to 10 s.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Series {
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    let name: String
    let help: String
    let labelNames: [String]
    let bounds: [Double]
    private let series = Mutex<[[String]: Series]>([:])
    var typeName: String { "histogram" }

    init(name: String, help: String, labelNames: [String], bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "\(name): bounds must ascend")
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.bounds = bounds
    }

    /// Records one observation.
    public func observe(_ value: Double, _ labels: [String] = []) {
        precondition(labels.count == labelNames.count, "\(name) takes labels \(labelNames)")
        var index = bounds.count
        for (i, bound) in bounds.enumerated() where value <= bound {
            index = i
            break
        }
        let buckets = bounds.count + 1
        series.withLock { series in
            series[labels, default: Series(counts: [UInt64](repeating: 0, count: buckets))].record(index: index, value: value)
        }
    }

    /// How many observations a series has.
    public func count(_ labels: [String] = []) -> UInt64 { series.withLock { $0[labels]?.count ?? 0 } }

    func render(into out: inout String) {
        let snapshot = series.withLock { $0 }
        for (labels, series) in snapshot.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var cumulative: UInt64 = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += series.counts[index]
                out += "\(name)_bucket\(PrometheusText.labels(labelNames + ["le"], labels + [PrometheusText.number(bound)])) \(cumulative)\n"
            }
            cumulative += series.counts[bounds.count]
            out += "\(name)_bucket\(PrometheusText.labels(labelNames + ["le"], labels + ["+Inf"])) \(cumulative)\n"
            out += "\(name)_sum\(PrometheusText.labels(labelNames, labels)) \(PrometheusText.number(series.sum))\n"
            out += "\(name)_count\(PrometheusText.labels(labelNames, labels)) \(series.count)\n"
        }
    }
}

extension Histogram.Series {
    mutating func record(index: Int, value: Double) {
        counts[index] += 1
        sum += value
        count += 1
    }
}

/// Values sampled when the registry renders.
public final class CollectedMetric: MetricFamily, Sendable {
    /// The Prometheus type of a collected metric.
    public enum Kind: Sendable {
        case gauge
        case counter
    }

    let name: String
    let help: String
    let kind: Kind
    let labelNames: [String]
    let sample: @Sendable () -> [(labels: [String], value: Double)]
    var typeName: String { kind == .gauge ? "gauge" : "counter" }

    init(name: String, help: String, kind: Kind, labelNames: [String], sample: @escaping @Sendable () -> [(labels: [String], value: Double)]) {
        precondition(kind == .gauge || name.hasSuffix("_total"), "a counter's name ends in _total: \(name)")
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.sample = sample
    }

    func render(into out: inout String) {
        for (labels, value) in sample().sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels) }) {
            precondition(labels.count == labelNames.count, "\(name) takes labels \(labelNames)")
            out += "\(name)\(PrometheusText.labels(labelNames, labels)) \(PrometheusText.number(value))\n"
        }
    }
}

/// Histograms sampled when the registry renders.
final class CollectedHistogram: MetricFamily, Sendable {
    let name: String
    let help: String
    let labelNames: [String]
    let bounds: [Double]
    let sample: @Sendable () -> [(labels: [String], buckets: [UInt64], sum: Double, count: UInt64)]
    var typeName: String { "histogram" }

    init(
        name: String, help: String, labelNames: [String], bounds: [Double],
        sample: @escaping @Sendable () -> [(labels: [String], buckets: [UInt64], sum: Double, count: UInt64)]
    ) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.bounds = bounds
        self.sample = sample
    }

    func render(into out: inout String) {
        for series in sample().sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels) }) {
            precondition(series.buckets.count == bounds.count + 1, "\(name): one count per bucket and +Inf")
            var cumulative: UInt64 = 0
            for (index, bound) in bounds.enumerated() {
                cumulative += series.buckets[index]
                out += "\(name)_bucket\(PrometheusText.labels(labelNames + ["le"], series.labels + [PrometheusText.number(bound)])) \(cumulative)\n"
            }
            cumulative += series.buckets[bounds.count]
            out += "\(name)_bucket\(PrometheusText.labels(labelNames + ["le"], series.labels + ["+Inf"])) \(cumulative)\n"
            out += "\(name)_sum\(PrometheusText.labels(labelNames, series.labels)) \(PrometheusText.number(series.sum))\n"
            out += "\(name)_count\(PrometheusText.labels(labelNames, series.labels)) \(series.count)\n"
        }
    }
}

/// Formatting rules of the Prometheus text format.
enum PrometheusText {
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":")
        }
    }

    static func labels(_ names: [String], _ values: [String]) -> String {
        guard !names.isEmpty else { return "" }
        var out = "{"
        for (index, (name, value)) in zip(names, values).enumerated() {
            if index > 0 { out += "," }
            out += name + "=\"" + escapeLabel(value) + "\""
        }
        return out + "}"
    }

    static func escapeLabel(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return text
        }
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
