/// The languages the catalog is published in, for the parts of the registry that check text
/// before it reaches the catalog.
public enum CatalogLanguages {
    /// Language tags the site has pages in besides the manifests' own English: those the binary
    /// ships (`es`) and those the registry adds in `Languages/<tag>.json`. Manifest text not
    /// translated into one of them is shown in English there, marked `lang="en"`.
    public static func translated(adding registryLanguages: [InterfaceStrings]) -> [String] {
        Set((InterfaceStrings.builtIn + registryLanguages).map(\.tag)).subtracting([InterfaceStrings.englishTag]).sorted()
    }
}
