internal import Glibc
internal import Synchronization

/// RNNoise (Xiph's recurrent-network noise suppressor, BSD-3-Clause), loaded at run time from
/// `librnnoise.so`. Debian 12 does not package it; `scripts/fetch-models` takes the library
/// from the PyPI wheel `pyrnnoise` (sha256-pinned) into `.voiceshop/models/rnnoise/`.
///
/// RNNoise works on 48 kHz mono audio in 10 ms frames of 480 samples, as floats on the 16-bit
/// scale (±32,768). Its output lags its input by two frames (960 samples, measured:
/// `RNNoiseTests`). asr-svc's `RNNoiseDenoiser` resamples 16 kHz audio to it and back, and
/// undoes the lag.
public final class RNNoiseLibrary: Sendable {
    /// Samples per frame (10 ms at 48 kHz).
    public static let frameSamples = 480
    /// The sample rate RNNoise works at.
    public static let sampleRate = 48_000
    /// How far the output lags the input, in samples at 48 kHz.
    public static let lagSamples = 960

    typealias Create = @convention(c) (OpaquePointer?) -> OpaquePointer?
    typealias Destroy = @convention(c) (OpaquePointer?) -> Void
    typealias ProcessFrame = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Float>?, UnsafePointer<Float>?) -> Float
    typealias FrameSize = @convention(c) () -> Int32

    /// The path it was loaded from.
    public let path: String
    let create: Create
    let destroy: Destroy
    let processFrame: ProcessFrame

    private static let loaded = Mutex<[String: RNNoiseLibrary]>([:])

    /// Loads the library at `path` (once per path: later calls return the same instance).
    /// - Throws: `PocketSphinxError` when the file cannot be loaded or is not RNNoise.
    public static func load(path: String) throws(PocketSphinxError) -> RNNoiseLibrary {
        let result: Result<RNNoiseLibrary, PocketSphinxError> = loaded.withLock { cache in
            if let library = cache[path] { return .success(library) }
            do throws(PocketSphinxError) {
                let library = try RNNoiseLibrary(path: path)
                cache[path] = library
                return .success(library)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(path: String) throws(PocketSphinxError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw PocketSphinxError("cannot load RNNoise from \(path): \(reason)")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws(PocketSphinxError) -> T {
            guard let address = dlsym(handle, name) else {
                throw PocketSphinxError("\(path) is not RNNoise: it has no \(name)")
            }
            return unsafeBitCast(address, to: type)
        }
        do throws(PocketSphinxError) {
            create = try symbol("rnnoise_create", as: Create.self)
            destroy = try symbol("rnnoise_destroy", as: Destroy.self)
            processFrame = try symbol("rnnoise_process_frame", as: ProcessFrame.self)
            let frameSize = try symbol("rnnoise_get_frame_size", as: FrameSize.self)()
            guard frameSize == Int32(Self.frameSamples) else {
                throw PocketSphinxError("\(path) works in frames of \(frameSize) samples, not \(Self.frameSamples)")
            }
        } catch {
            dlclose(handle)
            throw error
        }
        self.path = path
        // The handle is never closed: loaded libraries stay for the life of the process.
    }
}

/// One RNNoise suppressor state: its recurrent network remembers the noise it has heard.
/// Not thread-safe: one owner at a time.
public final class RNNoiseState {
    private let library: RNNoiseLibrary
    private let state: OpaquePointer

    public init(library: RNNoiseLibrary) {
        self.library = library
        guard let state = library.create(nil) else { fatalError("rnnoise_create failed (out of memory)") }
        self.state = state
    }

    deinit { library.destroy(state) }

    /// Runs one frame through the suppressor.
    /// - Parameters:
    ///   - input: `RNNoiseLibrary.frameSamples` samples at 48 kHz on the 16-bit scale.
    ///   - output: as many samples: the denoised audio of the input two frames back (`lagSamples`).
    /// - Returns: RNNoise's probability that the frame holds speech.
    @discardableResult
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Float {
        precondition(
            input.count == RNNoiseLibrary.frameSamples && output.count == RNNoiseLibrary.frameSamples,
            "an RNNoise frame is \(RNNoiseLibrary.frameSamples) samples")
        return library.processFrame(state, output.baseAddress, input.baseAddress)
    }
}
