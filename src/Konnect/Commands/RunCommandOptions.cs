using System.CommandLine;
using Konnect.Gateway;

namespace Konnect.Commands;

/// <summary>
/// Every setting of `konnect run`, each declared once (see <see cref="Setting{T}"/>): flag, then environment variable,
/// then default. The Redis ones are in <see cref="RedisCommandOptions"/>.
/// </summary>
internal sealed class RunCommandOptions
{
    private readonly Setting<string[]> _manifests;
    private readonly Setting<string[]> _listen;
    private readonly Setting<string[]> _adminListen;
    private readonly Setting<string[]> _portalListen;
    private readonly Setting<string> _analytics;
    private readonly Setting<string> _portalConsumers;
    private readonly Setting<string> _analyticsMemory;
    private readonly Setting<string[]> _listenTls;
    private readonly Setting<string?> _defaultCertificate;
    private readonly Setting<int?> _httpsRedirectPort;
    private readonly Setting<string?> _kubeconfig;
    private readonly Setting<string?> _context;
    private readonly Setting<string[]> _namespaces;
    private readonly Setting<string?> _leaseNamespace;
    private readonly Setting<TimeSpan> _leaseDuration;
    private readonly Setting<TimeSpan> _renewDeadline;
    private readonly Setting<TimeSpan> _retryPeriod;
    private readonly Setting<string> _accessLog;
    private readonly Setting<double> _accessLogSample;
    private readonly Setting<string> _metrics;
    private readonly Setting<bool> _consumerMetrics;
    private readonly Setting<string> _cacheSize;
    private readonly Setting<string> _logFormat;
    private readonly Setting<string> _heapTrim;
    private readonly Setting<string> _forwarder;
    private readonly Setting<string> _maxRequestBodySize;
    private readonly Setting<string?> _publishService;
    private readonly Setting<string[]> _publishAddress;

    /// <param name="environment">Reads an environment variable (the process's; a test's dictionary).</param>
    public RunCommandOptions(Func<string, string?> environment)
    {
        _manifests = new("--manifests", Syntax.Folders,
            "Serve the manifests in this folder (*.yaml, *.yml, *.json, watched for changes); repeat it to serve several folders as one.",
            environment, aliases: ["-m"]);
        _listen = new("--listen", Syntax.List, "Traffic address(es), e.g. http://0.0.0.0:8080.", environment, "http://0.0.0.0:8080");
        _adminListen = new("--admin-listen", Syntax.List, "Admin address(es) for /healthz, /readyz, /config, /status and /metrics.",
            environment, "http://0.0.0.0:9090");
        _portalListen = new("--portal-listen", Syntax.List,
            "Developer portal address(es): the page listing the APIs routes mark as listed, and its JSON catalogue; 'none' (the default) for no portal.",
            environment, "none");
        _analytics = new("--analytics", Syntax.OnOff,
            "Count calls to listed APIs per minute for the portal's analytics (with the portal on); off takes them off the request path.", environment, "on");
        _portalConsumers = new("--portal-consumers", Syntax.OneOf("namespace", "everyone"),
            "Who sees consumers' names in the portal's analytics: consumers of the API's namespace, signed in, or everyone.", environment, "namespace");
        _analyticsMemory = new("--analytics-memory", Syntax.Size,
            "Memory call analytics may hold, e.g. 16Mi; past it the oldest minutes are dropped first.", environment, "64Mi");
        _listenTls = new("--listen-tls", Syntax.List,
            "HTTPS traffic address(es), certificates chosen by SNI from the routes' spec.tls Secrets; 'none' for no HTTPS listener.",
            environment, "https://0.0.0.0:8443");
        _defaultCertificate = new("--default-certificate", Syntax.Text,
            "A kubernetes.io/tls Secret (namespace/name) served when the SNI names no route's host; without it such handshakes are refused.",
            environment);
        _httpsRedirectPort = new("--https-redirect-port", Syntax.Port,
            "The port spec.tls.redirect sends clients to (e.g. 443 behind a Service); default the --listen-tls port.", environment);
        _kubeconfig = new("--kubeconfig", Syntax.Text,
            "Watch the cluster of this kubeconfig. Without --manifests or --kubeconfig: in-cluster config, then $KUBECONFIG, then ~/.kube/config.",
            environment, variable: Setting.NoVariable);
        _context = new("--context", Syntax.Text, "The kubeconfig context to use (default: current-context).", environment);
        _namespaces = new("--namespace", Syntax.List, "Watch only these namespaces (repeatable); default every namespace.",
            environment, variable: "KONNECT_NAMESPACES", aliases: ["-n"]);
        // POD_NAMESPACE: what a pod learns of its namespace from the downward API (the chart sets it).
        _leaseNamespace = new("--lease-namespace", Syntax.Text,
            "Namespace of the leader-election Lease; without it (or POD_NAMESPACE), the kubeconfig's namespace, else default.",
            environment, variable: "POD_NAMESPACE");
        _leaseDuration = new("--lease-duration", Syntax.Duration, "How long a leader's Lease is valid without renewal.", environment, "15s");
        _renewDeadline = new("--renew-deadline", Syntax.Duration, "A leader that has not renewed for this long steps down.", environment, "10s");
        _retryPeriod = new("--retry-period", Syntax.Duration, "How often candidates try, and the leader renews.", environment, "2s");
        _accessLog = new("--access-log", Syntax.OnOff, "Write one JSON line per request to stdout.", environment, "on");
        _accessLogSample = new("--access-log-sample", Syntax.Ratio, "The share of requests the access log records, 0 to 1 (e.g. 0.1).",
            environment, "1");
        _metrics = new("--metrics", Syntax.OnOff,
            "Record request metrics and serve them on the admin port's /metrics; off takes them off the request path and /metrics answers 404.",
            environment, "on");
        _consumerMetrics = new("--consumer-metrics", Syntax.Flag,
            "Add konnect_consumer_requests_total{consumer,code} to /metrics (one series per consumer).", environment, "off");
        _cacheSize = new("--cache-size", Syntax.Size,
            "Memory all cache policies together may use, e.g. 512Ki; least recently used answers are evicted beyond it.", environment, "64Mi");
        _logFormat = new("--log-format", Syntax.OneOf("text", "json"), "Console log lines as text or as JSON objects, one per line.",
            environment, "text");
        _heapTrim = new("--heap-trim", Syntax.OnOff,
            "Once changes settle (5 s without one, the resident set grown by 16 MiB, at most every 30 s), compact the managed heap and "
            + "return free memory to the system: one pause of about 100 ms at 10,000 routes.", environment, "on");
        _forwarder = new("--forwarder", Syntax.OneOf("konnect", "yarp"),
            "konnect: Konnect's own HTTP/1.1 forwarder for plain-HTTP upstreams, YARP's for the rest (TLS, h2c, upgrades, header or body "
            + "edits, mirrors, retries, circuit breakers, session affinity, tracing); yarp: YARP's for everything.", environment, "konnect");
        _maxRequestBodySize = new("--max-request-body-size", Syntax.Size,
            "The largest request body accepted: a larger declared length is answered 413 before anything goes upstream, a chunked body "
            + "that grows past it is cut off with 413 (its chunk framing counts, as Kestrel counts it). 0: no limit.",
            environment, "30000000");
        _publishService = new("--publish-service", Syntax.Text,
            "Cluster mode: publish this Service's addresses (NAMESPACE/NAME; its load balancer's, else as ingress-nginx reads them) in "
            + "status.loadBalancer of Konnect's Ingresses and status.addresses of its Gateways.", environment);
        _publishAddress = new("--publish-address", Syntax.List,
            "Cluster mode: publish these IPs or host names in status.loadBalancer of Konnect's Ingresses and status.addresses of its Gateways, "
            + "instead of --publish-service.", environment);
        Redis = new RedisCommandOptions(environment);
    }

    public RedisCommandOptions Redis { get; }

    /// <summary>The options in the order `--help` lists them.</summary>
    public IReadOnlyList<Option> Options =>
    [
        _manifests, _listen, _adminListen, _portalListen, _portalConsumers, _analytics, _analyticsMemory, _listenTls, _defaultCertificate, _httpsRedirectPort, _kubeconfig, _context, _namespaces,
        _leaseNamespace, _leaseDuration, _renewDeadline, _retryPeriod, _publishService, _publishAddress, _accessLog, _accessLogSample, _metrics, _consumerMetrics,
        _cacheSize, _logFormat, _heapTrim, _forwarder, _maxRequestBodySize, .. Redis.Options,
    ];

    /// <summary>The settings with no flag.</summary>
    public IReadOnlyList<VariableSetting> Variables => RedisCommandOptions.Credentials;

    public void AddTo(Command command)
    {
        foreach (var option in Options) { command.Options.Add(option); }
    }

    /// <summary>What `konnect run` was asked to do, from a parse without errors.</summary>
    public RunOptions Read(ParseResult parse) =>
        new(parse.GetValue(_manifests) is { Length: > 0 } folders ? folders : null, parse.GetValue(_listen)!, parse.GetValue(_adminListen)!)
        {
            Kubeconfig = parse.GetValue(_kubeconfig),
            Context = parse.GetValue(_context),
            Namespaces = parse.GetValue(_namespaces)!,
            LeaseNamespace = parse.GetValue(_leaseNamespace),
            LeaseDuration = parse.GetValue(_leaseDuration),
            RenewDeadline = parse.GetValue(_renewDeadline),
            RetryPeriod = parse.GetValue(_retryPeriod),
            AccessLog = parse.GetValue(_accessLog) == "on",
            AccessLogSampleRatio = parse.GetValue(_accessLogSample),
            Metrics = parse.GetValue(_metrics) == "on",
            ConsumerMetrics = parse.GetValue(_consumerMetrics),
            CacheSizeLimit = Syntax.Bytes(parse.GetValue(_cacheSize)),
            JsonLogs = parse.GetValue(_logFormat) == "json",
            Redis = Redis.Read(parse),
            ListenTls = parse.GetValue(_listenTls)!.Where(u => !string.Equals(u, "none", StringComparison.OrdinalIgnoreCase)).ToArray(),
            Analytics = parse.GetValue(_analytics) == "on",
            PortalConsumerNames = parse.GetValue(_portalConsumers) == "everyone" ? PortalConsumerNames.Everyone : PortalConsumerNames.Namespace,
            AnalyticsMemory = Syntax.Bytes(parse.GetValue(_analyticsMemory)),
            PortalListen = parse.GetValue(_portalListen)!.Where(u => !string.Equals(u, "none", StringComparison.OrdinalIgnoreCase)).ToArray(),
            DefaultCertificate = parse.GetValue(_defaultCertificate),
            HttpsRedirectPort = parse.GetValue(_httpsRedirectPort),
            HeapTrim = parse.GetValue(_heapTrim) == "on",
            Forwarder = parse.GetValue(_forwarder) == "yarp" ? ForwarderKind.Yarp : ForwarderKind.Konnect,
            PublishService = parse.GetValue(_publishService),
            PublishAddresses = parse.GetValue(_publishAddress)!,
            ClientLimits = new ClientLimits { MaxRequestBodySize = Syntax.Bytes(parse.GetValue(_maxRequestBodySize)) is > 0 and var max ? max : null },
        };
}
