import ProductModel

/// A language the site's chrome is written in; analyst text is shown as written.
enum SiteLanguage: String, CaseIterable, Sendable {
    case english = "en"
    case spanish = "es"

    /// The folder the language's pages live in, relative to the site root.
    var folder: String { self == .english ? "" : "es/" }

    var words: SiteWords { self == .english ? .english : .spanish }
}

/// Every piece of page chrome, per language.
struct SiteWords: Sendable {
    var languageName: String
    var otherLanguageLabel: String
    var skipLink: String
    var navigation: String
    var productsNav: String
    var allegationsNav: String
    var verifyNav: String
    var dataNav: String
    var keyIndicators: String
    var productsInUse: String
    var approvedUnchanged: String
    var usingDemographics: String
    var reviewsOverdue: String
    var checksFailing: String
    var allegationsReceived: String
    var asOf: String
    var summaryCharts: String
    var productsByState: String
    var productsByStateDescription: String
    var allegationsByQuarter: String
    var allegationsByQuarterDescription: String
    var chartData: String
    var filters: String
    var byStatus: String
    var byApproval: String
    var byDemographics: String
    var all: String
    var usesDemographics: String
    var noDemographics: String
    var search: String
    var searchLabel: String
    var products: String
    var productsCaption: String
    var product: String
    var status: String
    var approval: String
    var demographicFields: String
    var lastCheck: String
    var reviewDue: String
    var none: String
    var passed: String
    var failed: String
    var notChecked: String
    var overdue: String
    var showing: String
    var filterPageTitle: String
    var summary: String
    var facts: String
    var id: String
    var version: String
    var tree: String
    var contentDigest: String
    var purpose: String
    var decisionUse: String
    var humanOversight: String
    var nonLawEnforcement: String
    var yes: String
    var no: String
    var owner: String
    var team: String
    var accountableRole: String
    var vendor: String
    var contract: String
    var legalBasis: String
    var risks: String
    var risk: String
    var mitigation: String
    var impactAssessments: String
    var title: String
    var date: String
    var link: String
    var dataSources: String
    var name: String
    var origin: String
    var steward: String
    var fieldsUsed: String
    var field: String
    var source: String
    var justification: String
    var inputsOutputs: String
    var inputs: String
    var outputs: String
    var columns: String
    var format: String
    var level: String
    var directsDeployment: String
    var auditTitle: String
    var auditText: String
    var approvals: String
    var noApprovals: String
    var reviewer: String
    var issued: String
    var expires: String
    var statement: String
    var signature: String
    var howToVerify: String
    var latestCheck: String
    var ranAtCommit: String
    var interpreter: String
    var environmentDigest: String
    var distributions: String
    var findings: String
    var noFindings: String
    var severity: String
    var rule: String
    var messageHeading: String
    var location: String
    var disparity: String
    var group: String
    var count: String
    var selectionRate: String
    var interval: String
    var ratio: String
    var difference: String
    var truePositiveRate: String
    var falsePositiveRate: String
    var referenceGroup: String
    var belowMinimum: String
    var undefined: String
    var history: String
    var commit: String
    var changes: String
    var keyPath: String
    var before: String
    var after: String
    var absent: String
    var noChanges: String
    var withheldFields: String
    var withheldPlaceholder: String
    var reason: String
    var commitment: String
    var reportError: String
    var reportErrorText: String
    var reportSubject: String
    var allegationsMentioning: String
    var allegationsTitle: String
    var allegationsIntro: String
    var noAllegations: String
    var suppressed: String
    var suppressionNote: String
    var quarter: String
    var finding: String
    var total: String
    var basis: String
    var basisNote: String
    var respondingService: String
    var byQuarterAndFinding: String
    var byServiceAndFinding: String
    var byBasis: String
    var byProduct: String
    var period: String
    var verifyTitle: String
    var verifyIntro: String
    var verifyStep1: String
    var verifyStep2: String
    var verifyStep3: String
    var verifyStep4: String
    var allowedSignersMissing: String
    var repository: String
    var dataTitle: String
    var contact: String
    var stateNames: [ApprovalState: String]
    var statusNames: [ProductStatus: String]
    var severityNames: [Severity: String]

    func stateName(_ state: ApprovalState) -> String { stateNames[state] ?? state.rawValue }
    func statusName(_ status: ProductStatus) -> String { statusNames[status] ?? status.rawValue }
    func severityName(_ severity: Severity) -> String { severityNames[severity] ?? severity.rawValue }

    static let english = SiteWords(
        languageName: "English", otherLanguageLabel: "Español", skipLink: "Skip to main content",
        navigation: "Site", productsNav: "Products", allegationsNav: "Allegations report",
        verifyNav: "Verify approvals", dataNav: "Data and feeds",
        keyIndicators: "Key indicators", productsInUse: "Products in use",
        approvedUnchanged: "In-use products approved and unchanged since approval",
        usingDemographics: "In-use products using demographic fields",
        reviewsOverdue: "Board reviews overdue",
        checksFailing: "Products failing their latest compliance check",
        allegationsReceived: "Allegations received", asOf: "as of",
        summaryCharts: "Summary charts", productsByState: "Products by approval state",
        productsByStateDescription: "Bar chart of how many products are in each approval state.",
        allegationsByQuarter: "Allegations by quarter and finding",
        allegationsByQuarterDescription: "Stacked bar chart of allegations received per quarter, split by finding. Suppressed counts are not drawn.",
        chartData: "Chart data as a table", filters: "Filter products", byStatus: "By status",
        byApproval: "By approval state", byDemographics: "By demographic fields", all: "All products",
        usesDemographics: "Uses demographic fields", noDemographics: "Uses no demographic fields",
        search: "Search products", searchLabel: "Search by name, id or summary",
        products: "Products", productsCaption: "Analytic products in the registry",
        product: "Product", status: "Status", approval: "Approval", demographicFields: "Demographic fields",
        lastCheck: "Latest check", reviewDue: "Board review due", none: "none", passed: "passed",
        failed: "failed", notChecked: "not checked", overdue: "overdue", showing: "Showing",
        filterPageTitle: "Products", summary: "Summary", facts: "Key facts", id: "Identifier",
        version: "Version", tree: "Git tree", contentDigest: "Content digest (SHA-256)",
        purpose: "Purpose", decisionUse: "How the outputs are used in decisions",
        humanOversight: "Human oversight", nonLawEnforcement: "Supports a non-law-enforcement response",
        yes: "yes", no: "no", owner: "Owner", team: "Team", accountableRole: "Accountable role",
        vendor: "Vendor", contract: "Contract", legalBasis: "Legal basis", risks: "Risks and mitigations",
        risk: "Risk", mitigation: "Mitigation", impactAssessments: "Impact assessments", title: "Title",
        date: "Date", link: "Link", dataSources: "Data sources", name: "Name", origin: "Origin",
        steward: "Steward", fieldsUsed: "Fields used", field: "Field", source: "Source",
        justification: "Why it is vital", inputsOutputs: "Inputs and outputs", inputs: "Inputs",
        outputs: "Outputs", columns: "Columns", format: "Format", level: "Level",
        directsDeployment: "Directs deployment", auditTitle: "Fairness audit",
        auditText: "Disparity checks compare outcomes across these attributes, which the product never sees:",
        approvals: "Board approvals", noApprovals: "No counted approvals for the current content.",
        reviewer: "Reviewer", issued: "Issued", expires: "Expires", statement: "Statement",
        signature: "Signature", howToVerify: "How to verify these signatures yourself",
        latestCheck: "Latest compliance check", ranAtCommit: "Ran at commit", interpreter: "Interpreter",
        environmentDigest: "Environment (SHA-256 of lock, interpreter and platform)", distributions: "Installed distributions", findings: "Findings",
        noFindings: "No findings.", severity: "Severity", rule: "Rule", messageHeading: "Message",
        location: "Where", disparity: "Disparity by group", group: "Group", count: "Count",
        selectionRate: "Selection rate", interval: "95% interval (Wilson)", ratio: "Ratio to reference",
        difference: "Difference to reference", truePositiveRate: "True-positive rate",
        falsePositiveRate: "False-positive rate", referenceGroup: "Reference group",
        belowMinimum: "below minimum group size: no verdict", undefined: "undefined",
        history: "Version history", commit: "Commit", changes: "Changes", keyPath: "Field",
        before: "Before", after: "After", absent: "(absent)", noChanges: "No field-level changes recorded.",
        withheldFields: "Withheld fields", withheldPlaceholder: "Withheld from publication",
        reason: "Reason", commitment: "SHA-256 commitment",
        reportError: "Report an error or ask a question",
        reportErrorText: "Write to the registry team about this product:",
        reportSubject: "Question about analytic product",
        allegationsMentioning: "Allegations linked to this product",
        allegationsTitle: "Allegations report",
        allegationsIntro: "Allegations that a security response used age, disability, ethnicity, gender, nationality, race, religion or sexual orientation as a basis for the action. Only counts are published: no record ids, no free text, and no dates finer than a quarter.",
        noAllegations: "No allegations report was provided for this build.", suppressed: "suppressed",
        suppressionNote: "Counts from 1 to %d are suppressed, and further cells are suppressed where a suppressed count could otherwise be worked out from the totals.",
        quarter: "Quarter", finding: "Finding", total: "Total", basis: "Basis",
        basisNote: "An allegation can name more than one basis, so these counts can add up to more than the total.",
        respondingService: "Responding service", byQuarterAndFinding: "By quarter and finding",
        byServiceAndFinding: "By responding service and finding", byBasis: "By basis named",
        byProduct: "By analytic product that informed the deployment", period: "Period covered",
        verifyTitle: "Verify approvals yourself",
        verifyIntro: "Every approval is a small text statement signed by a board member with their own SSH key. You can check each one with the standard OpenSSH tool, without trusting this site or the registry software.",
        verifyStep1: "Download the statement and its .sig file from the product page, and the board's allowed signers file:",
        verifyStep2: "Check the signature with stock ssh-keygen (OpenSSH 8.2 or later). Replace the member id and file names with the ones from the product page:",
        verifyStep3: "ssh-keygen prints “Good signature” when the statement is exactly what the member signed. Then compare the statement's content-sha256 with the content digest on the product page.",
        verifyStep4: "To recompute the content digest from the registry repository, list the product tree and hash every file:",
        allowedSignersMissing: "The allowed signers file was not included in this build; produce it with “registry board allowed-signers” from the registry repository.",
        repository: "Registry repository", dataTitle: "Data and feeds", contact: "Contact",
        stateNames: [.approved: "approved", .pending: "pending", .changed: "changed since approval",
                     .uncommitted: "uncommitted changes", .rejected: "rejected", .revoked: "revoked",
                     .expired: "expired", .lapsed: "lapsed (board review overdue)"],
        statusNames: [.proposed: "proposed", .development: "in development", .inUse: "in use", .retired: "retired"],
        severityNames: [.error: "error", .warning: "warning", .note: "note"])

    static let spanish = SiteWords(
        languageName: "Español", otherLanguageLabel: "English", skipLink: "Saltar al contenido principal",
        navigation: "Sitio", productsNav: "Productos", allegationsNav: "Informe de denuncias",
        verifyNav: "Verificar aprobaciones", dataNav: "Datos y canales",
        keyIndicators: "Indicadores clave", productsInUse: "Productos en uso",
        approvedUnchanged: "Productos en uso aprobados y sin cambios desde la aprobación",
        usingDemographics: "Productos en uso que emplean campos demográficos",
        reviewsOverdue: "Revisiones de la junta vencidas",
        checksFailing: "Productos que no superan su última verificación de cumplimiento",
        allegationsReceived: "Denuncias recibidas", asOf: "al",
        summaryCharts: "Gráficos resumen", productsByState: "Productos por estado de aprobación",
        productsByStateDescription: "Gráfico de barras con el número de productos en cada estado de aprobación.",
        allegationsByQuarter: "Denuncias por trimestre y resultado",
        allegationsByQuarterDescription: "Gráfico de barras apiladas de las denuncias recibidas por trimestre, por resultado. Las cifras suprimidas no se dibujan.",
        chartData: "Datos del gráfico en una tabla", filters: "Filtrar productos", byStatus: "Por situación",
        byApproval: "Por estado de aprobación", byDemographics: "Por campos demográficos", all: "Todos los productos",
        usesDemographics: "Emplea campos demográficos", noDemographics: "No emplea campos demográficos",
        search: "Buscar productos", searchLabel: "Buscar por nombre, identificador o resumen",
        products: "Productos", productsCaption: "Productos analíticos del registro",
        product: "Producto", status: "Situación", approval: "Aprobación", demographicFields: "Campos demográficos",
        lastCheck: "Última verificación", reviewDue: "Revisión de la junta prevista", none: "ninguno",
        passed: "superada", failed: "no superada", notChecked: "sin verificar", overdue: "vencida",
        showing: "Mostrando", filterPageTitle: "Productos", summary: "Resumen", facts: "Datos clave",
        id: "Identificador", version: "Versión", tree: "Árbol git", contentDigest: "Huella del contenido (SHA-256)",
        purpose: "Finalidad", decisionUse: "Cómo se usan los resultados en las decisiones",
        humanOversight: "Supervisión humana", nonLawEnforcement: "Admite una respuesta no policial",
        yes: "sí", no: "no", owner: "Responsable", team: "Equipo", accountableRole: "Cargo responsable",
        vendor: "Proveedor", contract: "Contrato", legalBasis: "Base jurídica", risks: "Riesgos y mitigaciones",
        risk: "Riesgo", mitigation: "Mitigación", impactAssessments: "Evaluaciones de impacto", title: "Título",
        date: "Fecha", link: "Enlace", dataSources: "Fuentes de datos", name: "Nombre", origin: "Origen",
        steward: "Custodio", fieldsUsed: "Campos usados", field: "Campo", source: "Fuente",
        justification: "Por qué es imprescindible", inputsOutputs: "Entradas y salidas", inputs: "Entradas",
        outputs: "Salidas", columns: "Columnas", format: "Formato", level: "Nivel",
        directsDeployment: "Dirige despliegues", auditTitle: "Auditoría de equidad",
        auditText: "Las comprobaciones de disparidad comparan resultados según estos atributos, que el producto nunca ve:",
        approvals: "Aprobaciones de la junta", noApprovals: "No hay aprobaciones válidas para el contenido actual.",
        reviewer: "Revisor", issued: "Emitida", expires: "Caduca", statement: "Declaración",
        signature: "Firma", howToVerify: "Cómo verificar estas firmas por su cuenta",
        latestCheck: "Última verificación de cumplimiento", ranAtCommit: "Ejecutada en el commit", interpreter: "Intérprete",
        environmentDigest: "Entorno (SHA-256 del lock, el intérprete y la plataforma)", distributions: "Distribuciones instaladas",
        findings: "Hallazgos", noFindings: "Sin hallazgos.", severity: "Gravedad", rule: "Regla",
        messageHeading: "Mensaje", location: "Dónde", disparity: "Disparidad por grupo", group: "Grupo",
        count: "Recuento", selectionRate: "Tasa de selección", interval: "Intervalo del 95 % (Wilson)",
        ratio: "Razón respecto a la referencia", difference: "Diferencia respecto a la referencia",
        truePositiveRate: "Tasa de verdaderos positivos", falsePositiveRate: "Tasa de falsos positivos",
        referenceGroup: "Grupo de referencia", belowMinimum: "por debajo del tamaño mínimo: sin veredicto",
        undefined: "indefinido", history: "Historial de versiones", commit: "Commit", changes: "Cambios",
        keyPath: "Campo", before: "Antes", after: "Después", absent: "(ausente)",
        noChanges: "No se registraron cambios de campos.", withheldFields: "Campos no publicados",
        withheldPlaceholder: "No publicado", reason: "Motivo", commitment: "Compromiso SHA-256",
        reportError: "Informar de un error o hacer una pregunta",
        reportErrorText: "Escriba al equipo del registro sobre este producto:",
        reportSubject: "Pregunta sobre el producto analítico",
        allegationsMentioning: "Denuncias vinculadas a este producto",
        allegationsTitle: "Informe de denuncias",
        allegationsIntro: "Denuncias de que una respuesta de seguridad se basó en la edad, discapacidad, etnia, género, nacionalidad, raza, religión u orientación sexual. Solo se publican recuentos: sin identificadores, sin texto libre y sin fechas más precisas que un trimestre.",
        noAllegations: "Esta publicación no incluye un informe de denuncias.", suppressed: "suprimido",
        suppressionNote: "Los recuentos de 1 a %d se suprimen, y se suprimen otras celdas cuando un recuento suprimido podría deducirse de los totales.",
        quarter: "Trimestre", finding: "Resultado", total: "Total", basis: "Motivo",
        basisNote: "Una denuncia puede señalar más de un motivo, por lo que estos recuentos pueden sumar más que el total.",
        respondingService: "Servicio que intervino", byQuarterAndFinding: "Por trimestre y resultado",
        byServiceAndFinding: "Por servicio y resultado", byBasis: "Por motivo señalado",
        byProduct: "Por producto analítico que informó el despliegue", period: "Periodo cubierto",
        verifyTitle: "Verifique las aprobaciones por su cuenta",
        verifyIntro: "Cada aprobación es una breve declaración de texto firmada por un miembro de la junta con su propia clave SSH. Puede comprobar cada una con la herramienta estándar de OpenSSH, sin confiar en este sitio ni en el software del registro.",
        verifyStep1: "Descargue la declaración y su archivo .sig desde la página del producto, y el archivo de firmantes autorizados de la junta:",
        verifyStep2: "Compruebe la firma con ssh-keygen (OpenSSH 8.2 o posterior). Sustituya el identificador del miembro y los nombres de archivo por los de la página del producto:",
        verifyStep3: "ssh-keygen muestra «Good signature» cuando la declaración es exactamente lo que firmó el miembro. Después compare el content-sha256 de la declaración con la huella del contenido de la página del producto.",
        verifyStep4: "Para recalcular la huella del contenido desde el repositorio del registro, liste el árbol del producto y calcule el hash de cada archivo:",
        allowedSignersMissing: "Esta publicación no incluye el archivo de firmantes autorizados; genérelo con «registry board allowed-signers» en el repositorio del registro.",
        repository: "Repositorio del registro", dataTitle: "Datos y canales", contact: "Contacto",
        stateNames: [.approved: "aprobado", .pending: "pendiente", .changed: "modificado desde la aprobación",
                     .uncommitted: "cambios sin confirmar", .rejected: "rechazado", .revoked: "revocado",
                     .expired: "caducado", .lapsed: "vencido (revisión de la junta atrasada)"],
        statusNames: [.proposed: "propuesto", .development: "en desarrollo", .inUse: "en uso", .retired: "retirado"],
        severityNames: [.error: "error", .warning: "advertencia", .note: "nota"])
}
