/// Faults a test can switch on in one sandbox instance, to see the client's
/// typed error for each. They apply to the `/api/v1/…` JSON endpoints, not to
/// the browser pages.
public struct SandboxFaults: Sendable, Hashable {
    /// Wait this long before answering.
    public var delay: Duration?
    /// Answer HTTP 503 with a plain-text body.
    public var serverError: Bool
    /// Answer 200 with a truncated JSON envelope.
    public var malformedJSON: Bool
    /// Start a 200 answer and close the connection halfway through its body.
    public var dropConnection: Bool
    /// Corrupt the GCM tag of encrypted response content.
    public var wrongGCMTag: Bool
    /// Treat every CEK as expired: every encrypted call gets `D30002`, even
    /// with a key fetched a moment ago. (For a single expiry that the client
    /// should recover from, use ``IAMSmartSandbox/expireContentKeys()``.)
    public var rejectContentKeys: Bool
    /// The resident's Approve in the app is never recorded: the request stays pending until it expires.
    public var approvalNeverComes: Bool
    /// An approval takes effect only this long after the resident pressed Approve.
    public var approvalDelay: Duration?
    /// The app is closed: the data-request page says so and records nothing.
    public var appClosed: Bool
    /// Face recognition fails: a re-authentication with `eidapi_fr` is refused in the app.
    public var faceRecognitionFails: Bool
    /// Face recognition is not available on the resident's device.
    public var faceRecognitionUnavailable: Bool

    public init(
        delay: Duration? = nil,
        serverError: Bool = false,
        malformedJSON: Bool = false,
        wrongGCMTag: Bool = false,
        rejectContentKeys: Bool = false,
        approvalNeverComes: Bool = false,
        approvalDelay: Duration? = nil,
        appClosed: Bool = false,
        faceRecognitionFails: Bool = false,
        faceRecognitionUnavailable: Bool = false,
        dropConnection: Bool = false
    ) {
        self.dropConnection = dropConnection
        self.faceRecognitionUnavailable = faceRecognitionUnavailable
        self.approvalNeverComes = approvalNeverComes
        self.approvalDelay = approvalDelay
        self.appClosed = appClosed
        self.faceRecognitionFails = faceRecognitionFails
        self.delay = delay
        self.serverError = serverError
        self.malformedJSON = malformedJSON
        self.wrongGCMTag = wrongGCMTag
        self.rejectContentKeys = rejectContentKeys
    }

    public static let none = SandboxFaults()
}
