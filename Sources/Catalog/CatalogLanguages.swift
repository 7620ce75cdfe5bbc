/// The languages the catalog is published in, for the parts of the registry that check text
/// before it reaches the catalog.
public enum CatalogLanguages {
    /// Language tags the site has pages in besides the manifests' own English (`es`): manifest text
    /// not translated into one of them is shown in English there, marked `lang="en"`.
    public static var translated: [String] {
        SiteLanguage.allCases.filter { $0 != .english }.map(\.rawValue)
    }
}
