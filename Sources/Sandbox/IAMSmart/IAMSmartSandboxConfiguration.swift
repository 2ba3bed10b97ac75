import IAMSmart

/// How one sandbox iAM Smart instance is set up: the single online service it
/// knows (client ID, secret, certificate, registered callbacks) and its timing.
public struct IAMSmartSandboxConfiguration: Sendable {
    /// Interface to bind. Loopback by default: the sandbox is for tests and demos.
    public var host: String
    /// Port to bind; 0 picks a free port (read it back with ``IAMSmartSandbox/port()``).
    public var port: Int
    public var clientID: String
    public var clientSecret: String
    /// The service's registered certificate (`BEGIN CERTIFICATE`) or its public
    /// key (`BEGIN PUBLIC KEY`); CEKs are encrypted to it.
    public var clientCertificatePEM: String
    /// Callback URIs registered for the client; anything else gets `D20008`.
    public var redirectURIs: [String]
    /// Padding used to encrypt the CEK; must match the client's configuration.
    public var contentKeyPadding: ContentKeyPadding
    /// `expiresIn` of issued CEKs.
    public var contentKeyLifetime: Duration
    /// Requests whose timestamp is further than this from the sandbox clock are
    /// rejected, and nonces are remembered for this long.
    public var timestampWindow: Duration
    /// Lifetime of authorisation codes and of pending QR sessions.
    public var codeLifetime: Duration
    /// Access token lifetime.
    public var accessTokenLifetime: Duration
    /// The synthetic residents offered on the app page.
    public var residents: [SandboxResident]
    /// How long a profile or e-ME request waits for the resident's approval in the app.
    public var ticketLifetime: Duration
    /// The service's name as the app shows it on a data request.
    public var serviceName: String

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        clientID: String,
        clientSecret: String,
        clientCertificatePEM: String,
        redirectURIs: [String],
        contentKeyPadding: ContentKeyPadding = .oaepSHA1,
        contentKeyLifetime: Duration = .seconds(3600),
        timestampWindow: Duration = .seconds(300),
        codeLifetime: Duration = .seconds(300),
        accessTokenLifetime: Duration = .seconds(1800),
        residents: [SandboxResident] = SandboxResident.standard(),
        ticketLifetime: Duration = .seconds(300),
        serviceName: String = "FederationBridge (sandbox)"
    ) {
        self.ticketLifetime = ticketLifetime
        self.serviceName = serviceName
        self.host = host
        self.port = port
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientCertificatePEM = clientCertificatePEM
        self.redirectURIs = redirectURIs
        self.contentKeyPadding = contentKeyPadding
        self.contentKeyLifetime = contentKeyLifetime
        self.timestampWindow = timestampWindow
        self.codeLifetime = codeLifetime
        self.accessTokenLifetime = accessTokenLifetime
        self.residents = residents
    }
}

extension Duration {
    var inMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
