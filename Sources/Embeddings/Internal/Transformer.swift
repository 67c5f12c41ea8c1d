internal import CBLAS
internal import CEmbeddingsKernels
internal import Glibc

/// The BERT encoder of all-MiniLM-L6-v2 plus mean pooling and L2 normalisation, over the
/// weights of a mapped model.bin. The only file that calls BLAS.
///
/// Several sentences are encoded together by packing their tokens into one matrix (no
/// padding): the linear layers, LayerNorm and GELU work token by token, so they run on all
/// tokens of the pack at once, and only attention and pooling look at sentence boundaries.
/// A sentence's result therefore never depends on the other sentences in its pack.
///
/// `@unchecked Sendable`: after `init` nothing is mutated; the pointers point into the
/// read-only mapping that `file` owns and keeps alive, and each call allocates its own
/// scratch memory, so any number of threads may call `encode` at once.
final class Transformer: @unchecked Sendable {
    private struct Layer {
        var qkvWeight, qkvBias: UnsafePointer<Float>
        var attentionOutputWeight, attentionOutputBias: UnsafePointer<Float>
        var attentionNormWeight, attentionNormBias: UnsafePointer<Float>
        var ffnInWeight, ffnInBias: UnsafePointer<Float>
        var ffnOutWeight, ffnOutBias: UnsafePointer<Float>
        var ffnNormWeight, ffnNormBias: UnsafePointer<Float>
    }

    /// Up to this many tokens, products go through `CEmbeddingsKernels_sgemm_few_rows`, which
    /// streams each weight matrix once, instead of cblas_sgemm, which first copies it into
    /// packed panels (bench/embeddings measured the crossover).
    static let fewRows = 8

    let configuration: ModelConfiguration
    /// Sentences longer than this are cut by the tokenizer; the encoder checks it.
    let maxTokens: Int
    private let file: ModelFile
    private let wordEmbeddings: UnsafePointer<Float>
    private let positionEmbeddings: UnsafePointer<Float>
    private let tokenTypeEmbedding: UnsafePointer<Float>
    private let embeddingNormWeight: UnsafePointer<Float>
    private let embeddingNormBias: UnsafePointer<Float>
    private let layers: [Layer]

    /// Looks up and shape-checks every tensor, and pages in the layer weights.
    init(file: ModelFile, maxTokens: Int) throws(EmbeddingsError) {
        let c = file.configuration
        guard c.hiddenSize > 0, c.heads > 0, c.hiddenSize % c.heads == 0, maxTokens <= c.maxPositions else {
            throw EmbeddingsError(code: .modelInvalid, path: file.path, message: "inconsistent header: \(c)")
        }
        let h = c.hiddenSize
        let i = c.intermediateSize
        self.file = file
        self.configuration = c
        self.maxTokens = maxTokens
        wordEmbeddings = try file.tensor("word_embeddings", rows: c.vocabularySize, columns: h)
        positionEmbeddings = try file.tensor("position_embeddings", rows: c.maxPositions, columns: h)
        tokenTypeEmbedding = try file.tensor("token_type_embeddings", rows: 2, columns: h)
        embeddingNormWeight = try file.tensor("embeddings.ln.weight", rows: 1, columns: h)
        embeddingNormBias = try file.tensor("embeddings.ln.bias", rows: 1, columns: h)
        var layers: [Layer] = []
        for index in 0..<c.layers {
            let p = "layer.\(index)."
            let layer = Layer(
                qkvWeight: try file.tensor(p + "qkv.weight", rows: h, columns: 3 * h),
                qkvBias: try file.tensor(p + "qkv.bias", rows: 1, columns: 3 * h),
                attentionOutputWeight: try file.tensor(p + "attention_output.weight", rows: h, columns: h),
                attentionOutputBias: try file.tensor(p + "attention_output.bias", rows: 1, columns: h),
                attentionNormWeight: try file.tensor(p + "attention_ln.weight", rows: 1, columns: h),
                attentionNormBias: try file.tensor(p + "attention_ln.bias", rows: 1, columns: h),
                ffnInWeight: try file.tensor(p + "ffn_in.weight", rows: h, columns: i),
                ffnInBias: try file.tensor(p + "ffn_in.bias", rows: 1, columns: i),
                ffnOutWeight: try file.tensor(p + "ffn_out.weight", rows: i, columns: h),
                ffnOutBias: try file.tensor(p + "ffn_out.bias", rows: 1, columns: h),
                ffnNormWeight: try file.tensor(p + "ffn_ln.weight", rows: 1, columns: h),
                ffnNormBias: try file.tensor(p + "ffn_ln.bias", rows: 1, columns: h)
            )
            file.prefault(layer.qkvWeight, count: h * 3 * h)
            file.prefault(layer.attentionOutputWeight, count: h * h)
            file.prefault(layer.ffnInWeight, count: h * i)
            file.prefault(layer.ffnOutWeight, count: i * h)
            layers.append(layer)
        }
        file.prefault(positionEmbeddings, count: maxTokens * h)
        self.layers = layers
    }

    /// Encodes a pack of sentences (token ids, each at most `maxTokens` long and non-empty)
    /// and writes one unit vector of `hiddenSize` floats per sentence to `output`, in order.
    func encode(_ sentences: [[Int32]], into output: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let inner = configuration.intermediateSize
        let total = sentences.reduce(0) { $0 + $1.count }
        let longest = sentences.reduce(0) { max($0, $1.count) }
        precondition(total > 0 && longest <= maxTokens, "sentences must be non-empty and at most \(maxTokens) tokens")

        // Scratch: hidden state, fused q|k|v, attention context, a second hidden-sized buffer,
        // the feed-forward activations and one sentence's attention scores.
        let sizes = [total * h, total * 3 * h, total * h, total * h, total * inner, longest * longest]
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: sizes.reduce(0, +))
        defer { scratch.deallocate() }
        var cursor = scratch
        var buffers: [UnsafeMutablePointer<Float>] = []
        for size in sizes {
            buffers.append(cursor)
            cursor += size
        }
        let (x, qkv, context, projected, ffn, scores) = (buffers[0], buffers[1], buffers[2], buffers[3], buffers[4], buffers[5])

        // Embeddings: word + position + token type 0, then LayerNorm.
        var row = 0
        for sentence in sentences {
            for (position, id) in sentence.enumerated() {
                precondition(id >= 0 && Int(id) < configuration.vocabularySize, "token id \(id) out of range")
                let target = x + row * h
                let word = wordEmbeddings + Int(id) * h
                let place = positionEmbeddings + position * h
                for k in 0..<h { target[k] = word[k] + place[k] + tokenTypeEmbedding[k] }
                row += 1
            }
        }
        layerNorm(x, adding: nil, rows: total, weight: embeddingNormWeight, bias: embeddingNormBias)

        let heads = configuration.heads
        let headSize = h / heads
        let scale = 1 / Float(headSize).squareRoot()
        for layer in layers {
            linear(x, rows: total, inputs: h, weight: layer.qkvWeight, bias: layer.qkvBias, outputs: 3 * h, into: qkv)
            var offset = 0
            for sentence in sentences {
                let n = Int32(sentence.count)
                for head in 0..<heads {
                    let q = qkv + offset * 3 * h + head * headSize
                    let k = q + h
                    let v = q + 2 * h
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, n, n, Int32(headSize),
                        scale, q, Int32(3 * h), k, Int32(3 * h), 0, scores, n
                    )
                    softmaxRows(scores, rows: Int(n))
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, n, Int32(headSize), n,
                        1, scores, n, v, Int32(3 * h), 0, context + offset * h + head * headSize, Int32(h)
                    )
                }
                offset += sentence.count
            }
            linear(
                context, rows: total, inputs: h, weight: layer.attentionOutputWeight, bias: layer.attentionOutputBias,
                outputs: h, into: projected
            )
            layerNorm(x, adding: projected, rows: total, weight: layer.attentionNormWeight, bias: layer.attentionNormBias)
            linear(x, rows: total, inputs: h, weight: layer.ffnInWeight, bias: layer.ffnInBias, outputs: inner, into: ffn)
            gelu(ffn, count: total * inner)
            linear(ffn, rows: total, inputs: inner, weight: layer.ffnOutWeight, bias: layer.ffnOutBias, outputs: h, into: projected)
            layerNorm(x, adding: projected, rows: total, weight: layer.ffnNormWeight, bias: layer.ffnNormBias)
        }

        // Mean over each sentence's own tokens, then L2 normalisation.
        var first = 0
        for (index, sentence) in sentences.enumerated() {
            let target = output + index * h
            target.initialize(repeating: 0, count: h)
            for token in first..<(first + sentence.count) {
                let source = x + token * h
                for k in 0..<h { target[k] += source[k] }
            }
            var norm: Float = 0
            for k in 0..<h { norm += target[k] * target[k] }
            // The mean's 1/n cancels in the normalisation; divide by the norm of the sum.
            let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
            for k in 0..<h { target[k] *= inverse }
            first += sentence.count
        }
    }

    /// `output[rows × outputs] = input[rows × inputs] · weight[inputs × outputs] + bias`.
    private func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, outputs: Int, into output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows { (output + r * outputs).update(from: bias, count: outputs) }
        if rows <= Self.fewRows
            && CEmbeddingsKernels_sgemm_few_rows(
                Int32(rows), Int32(outputs), Int32(inputs), input, Int32(inputs), weight, Int32(outputs),
                output, Int32(outputs)
            ) == 1
        {
            return
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(outputs), Int32(inputs),
            1, input, Int32(inputs), weight, Int32(outputs), 1, output, Int32(outputs)
        )
    }

    /// `x = LayerNorm(x + residual)` row by row (`residual` nil: `LayerNorm(x)`).
    private func layerNorm(
        _ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
    ) {
        let h = configuration.hiddenSize
        let epsilon = configuration.layerNormEpsilon
        for r in 0..<rows {
            let v = x + r * h
            if let residual {
                let add = residual + r * h
                for k in 0..<h { v[k] += add[k] }
            }
            var sum: Float = 0
            for k in 0..<h { sum += v[k] }
            let mean = sum / Float(h)
            var squares: Float = 0
            for k in 0..<h {
                let d = v[k] - mean
                squares += d * d
            }
            let inverse = 1 / (squares / Float(h) + epsilon).squareRoot()
            for k in 0..<h { v[k] = (v[k] - mean) * inverse * weight[k] + bias[k] }
        }
    }

    /// Numerically stable softmax of each row of a square `rows × rows` matrix.
    private func softmaxRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int) {
        for r in 0..<rows {
            let v = matrix + r * rows
            var largest = v[0]
            for k in 1..<rows { largest = max(largest, v[k]) }
            var sum: Float = 0
            for k in 0..<rows {
                v[k] = expf(v[k] - largest)
                sum += v[k]
            }
            let inverse = 1 / sum
            for k in 0..<rows { v[k] *= inverse }
        }
    }

    /// GELU with the exact error function: x · (1 + erf(x / √2)) / 2 (glibc's erff, vectorised).
    private func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) {
        CEmbeddingsKernels_gelu(values, count)
    }
}
