// Scripts/release.sh writes its own version of this file into the source copy a release is built
// from; this committed default is what every plain `swift build` truthfully knows.

/// Where this binary was built from, fixed at build time so no git is needed at run time.
enum BuildInfo {
    /// The full id of the git commit the binary was built from; nil for a development build.
    static let commit: String? = nil
    /// That commit's date (YYYY-MM-DD, UTC); nil for a development build.
    static let commitDate: String? = nil
}
