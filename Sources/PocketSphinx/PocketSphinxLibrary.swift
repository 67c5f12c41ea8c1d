internal import CPocketSphinx
internal import Glibc

/// Facts about the linked pocketsphinx and its installed English model. The decoder API
/// arrives with asr-svc; this module is the only one that imports pocketsphinx.
public enum PocketSphinxLibrary {
    /// Where Debian's `pocketsphinx-en-us` installs the model.
    public static let defaultModelDirectory = "/usr/share/pocketsphinx/model/en-us"

    /// The number of command-line options the decoder accepts (non-zero when the library links).
    public static var argumentCount: Int {
        guard var definition = ps_args() else { return 0 }
        var count = 0
        while definition.pointee.name != nil {
            count += 1
            definition += 1
        }
        return count
    }

    /// The model files asr-svc needs that are missing from `directory`.
    public static func missingModelFiles(in directory: String = defaultModelDirectory) -> [String] {
        ["en-us/mdef", "en-us.lm.bin", "cmudict-en-us.dict"].filter {
            access("\(directory)/\($0)", R_OK) != 0
        }
    }
}
