using System.CommandLine;
using Konnect.Commands;

// Socket completions run on the epoll thread that saw them instead of hopping to the thread pool: a proxied request
// crosses four sockets, and on 2 cores the hand-offs were a visible share of the time (interleaved wrk runs: about
// +6-10 % requests per second; see README.md, Performance). Safe because nothing on the request path blocks a thread.
// Read once by the runtime when the first socket is made, so it must be set before anything opens one; an operator's
// own setting (e.g. 0) wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

// The `konnect` command: run the gateway, validate manifests, print CRDs, print the version.
var root = new RootCommand("Konnect: a Kubernetes-native API gateway. Serves KonnectRoutes from a cluster or from a folder of YAML.");

var manifests = new Option<string[]>("--manifests", "-m")
{
    Description = "Serve the manifests in this folder (*.yaml, *.yml, *.json, watched for changes); repeat it to serve several folders as one. Env: KONNECT_MANIFESTS (one folder).",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_MANIFESTS") is { Length: > 0 } folder ? [folder] : [],
};
var listen = new Option<string[]>("--listen")
{
    Description = "Traffic address(es), e.g. http://0.0.0.0:8080. Env: KONNECT_LISTEN (comma-separated).",
    DefaultValueFactory = _ => Split(Environment.GetEnvironmentVariable("KONNECT_LISTEN")) ?? ["http://0.0.0.0:8080"],
    AllowMultipleArgumentsPerToken = true,
};
var admin = new Option<string[]>("--admin-listen")
{
    Description = "Admin address(es) for /healthz, /readyz, /config, /status and /metrics. Env: KONNECT_ADMIN_LISTEN (comma-separated).",
    DefaultValueFactory = _ => Split(Environment.GetEnvironmentVariable("KONNECT_ADMIN_LISTEN")) ?? ["http://0.0.0.0:9090"],
    AllowMultipleArgumentsPerToken = true,
};
var listenTls = new Option<string[]>("--listen-tls")
{
    Description = "HTTPS traffic address(es), certificates chosen by SNI from the routes' spec.tls Secrets; 'none' for no HTTPS listener. Env: KONNECT_LISTEN_TLS (comma-separated).",
    DefaultValueFactory = _ => Split(Environment.GetEnvironmentVariable("KONNECT_LISTEN_TLS")) ?? ["https://0.0.0.0:8443"],
    AllowMultipleArgumentsPerToken = true,
};
var defaultCertificate = new Option<string?>("--default-certificate")
{
    Description = "A kubernetes.io/tls Secret (namespace/name) served when the SNI names no route's host; without it such handshakes are refused. Env: KONNECT_DEFAULT_CERTIFICATE.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_DEFAULT_CERTIFICATE"),
};
var httpsRedirectPort = new Option<int?>("--https-redirect-port")
{
    Description = "The port spec.tls.redirect sends clients to (e.g. 443 behind a Service); default the --listen-tls port. Env: KONNECT_HTTPS_REDIRECT_PORT.",
    DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("KONNECT_HTTPS_REDIRECT_PORT"), out var port) ? port : null,
};
var kubeconfig = new Option<string?>("--kubeconfig")
{
    Description = "Watch the cluster of this kubeconfig. Without --manifests or --kubeconfig: in-cluster config, then $KUBECONFIG, then ~/.kube/config.",
};
var context = new Option<string?>("--context") { Description = "The kubeconfig context to use (default: current-context)." };
var namespaces = new Option<string[]>("--namespace", "-n")
{
    Description = "Watch only these namespaces (repeatable); default every namespace. Env: KONNECT_NAMESPACES (comma-separated).",
    DefaultValueFactory = _ => Split(Environment.GetEnvironmentVariable("KONNECT_NAMESPACES")) ?? [],
    AllowMultipleArgumentsPerToken = true,
};
var leaseNamespace = new Option<string?>("--lease-namespace")
{
    Description = "Namespace of the leader-election Lease (default: POD_NAMESPACE, else the kubeconfig's namespace).",
};
var leaseDuration = DurationOption("--lease-duration", "How long a leader's Lease is valid without renewal.", "15s");
var renewDeadline = DurationOption("--renew-deadline", "A leader that has not renewed for this long steps down.", "10s");
var retryPeriod = DurationOption("--retry-period", "How often candidates try, and the leader renews.", "2s");
// A string, not a bool: System.CommandLine lets a bool option take only true/false, and "--access-log off" reads better.
var accessLog = new Option<string>("--access-log")
{
    Description = "Write one JSON line per request to stdout. Env: KONNECT_ACCESS_LOG.",
    HelpName = "on|off",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_ACCESS_LOG") ?? "on",
};
accessLog.Validators.Add(result =>
{
    if (OnOff(result.GetValueOrDefault<string>()) is null) { result.AddError("--access-log (or KONNECT_ACCESS_LOG) takes on or off"); }
});
var accessLogSample = new Option<double>("--access-log-sample")
{
    Description = "The share of requests the access log records, 0 to 1 (e.g. 0.1). Default 1. Env: KONNECT_ACCESS_LOG_SAMPLE.",
    DefaultValueFactory = _ => double.TryParse(Environment.GetEnvironmentVariable("KONNECT_ACCESS_LOG_SAMPLE"), System.Globalization.CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : 1,
    CustomParser = result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1) { return ratio; }
        result.AddError($"--access-log-sample: \"{text}\" is not a number from 0 to 1");
        return 1;
    },
};
var metrics = new Option<string>("--metrics")
{
    Description = "Record request metrics and serve them on the admin port's /metrics; off takes them off the request path and /metrics answers 404. Env: KONNECT_METRICS.",
    HelpName = "on|off",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_METRICS") ?? "on",
};
metrics.Validators.Add(result =>
{
    if (OnOff(result.GetValueOrDefault<string>()) is null) { result.AddError("--metrics (or KONNECT_METRICS) takes on or off"); }
});
var consumerMetrics = new Option<bool>("--consumer-metrics")
{
    Description = "Add konnect_consumer_requests_total{consumer,code} to /metrics (one series per consumer). Env: KONNECT_CONSUMER_METRICS=on.",
    DefaultValueFactory = _ => OnOff(Environment.GetEnvironmentVariable("KONNECT_CONSUMER_METRICS")) ?? false,
};
var cacheSize = new Option<string>("--cache-size")
{
    Description = "Memory all cache policies together may use, e.g. 64Mi (the default) or 512Ki; least recently used answers are evicted beyond it. Env: KONNECT_CACHE_SIZE.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_CACHE_SIZE") ?? "64Mi",
};
cacheSize.Validators.Add(result =>
{
    if (!Konnect.Api.ByteSize.TryParse(result.GetValueOrDefault<string>(), out _)) { result.AddError("--cache-size: use a size such as 64Mi, 512Ki or 1048576"); }
});
var logFormat = new Option<string>("--log-format")
{
    Description = "Console log lines as text or as JSON objects, one per line. Env: KONNECT_LOG_FORMAT.",
    HelpName = "text|json",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_LOG_FORMAT") ?? "text",
};
logFormat.AcceptOnlyFromAmong("text", "json");
var redis = new RedisCommandOptions();
var heapTrim = new Option<string>("--heap-trim")
{
    Description = "Once changes settle (5 s without one, the resident set grown by 16 MiB, at most every 30 s), compact the "
        + "managed heap and return free memory to the system: one pause of about 100 ms at 10,000 routes. Env: KONNECT_HEAP_TRIM.",
    HelpName = "on|off",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_HEAP_TRIM") ?? "on",
};
heapTrim.Validators.Add(result =>
{
    if (OnOff(result.GetValueOrDefault<string>()) is null) { result.AddError("--heap-trim (or KONNECT_HEAP_TRIM) takes on or off"); }
});
var forwarder = new Option<string>("--forwarder")
{
    Description = "konnect: Konnect's own HTTP/1.1 forwarder for plain-HTTP upstreams, YARP's for the rest (TLS, h2c, upgrades, "
        + "header or body edits, mirrors, retries, circuit breakers, session affinity, tracing); yarp: YARP's for everything. Env: KONNECT_FORWARDER.",
    HelpName = "konnect|yarp",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KONNECT_FORWARDER") ?? "konnect",
};
forwarder.AcceptOnlyFromAmong("konnect", "yarp");
var run = new Command("run", "Start the gateway on a folder of manifests (--manifests) or on a cluster.")
{
    manifests, listen, admin, listenTls, defaultCertificate, httpsRedirectPort, kubeconfig, context, namespaces, leaseNamespace, leaseDuration, renewDeadline, retryPeriod,
    accessLog, accessLogSample, metrics, consumerMetrics, cacheSize, logFormat, heapTrim, forwarder,
};
redis.AddTo(run);
run.SetAction((parse, cancellationToken) => RunCommand.RunAsync(
    new RunOptions(parse.GetValue(manifests) is { Length: > 0 } folders ? folders : null, parse.GetValue(listen)!, parse.GetValue(admin)!)
    {
        Kubeconfig = parse.GetValue(kubeconfig),
        Context = parse.GetValue(context),
        Namespaces = parse.GetValue(namespaces)!,
        LeaseNamespace = parse.GetValue(leaseNamespace),
        LeaseDuration = parse.GetValue(leaseDuration),
        RenewDeadline = parse.GetValue(renewDeadline),
        RetryPeriod = parse.GetValue(retryPeriod),
        AccessLog = OnOff(parse.GetValue(accessLog)) ?? true,
        AccessLogSampleRatio = parse.GetValue(accessLogSample),
        Metrics = OnOff(parse.GetValue(metrics)) ?? true,
        ConsumerMetrics = parse.GetValue(consumerMetrics),
        CacheSizeLimit = Konnect.Api.ByteSize.TryParse(parse.GetValue(cacheSize), out var cacheBytes) ? cacheBytes : 64L * 1024 * 1024,
        JsonLogs = parse.GetValue(logFormat) == "json",
        Redis = redis.Read(parse),
        ListenTls = parse.GetValue(listenTls)!.Where(u => !string.Equals(u, "none", StringComparison.OrdinalIgnoreCase)).ToArray(),
        DefaultCertificate = parse.GetValue(defaultCertificate),
        HttpsRedirectPort = parse.GetValue(httpsRedirectPort),
        HeapTrim = OnOff(parse.GetValue(heapTrim)) ?? true,
        Forwarder = parse.GetValue(forwarder) == "yarp" ? Konnect.Gateway.ForwarderKind.Yarp : Konnect.Gateway.ForwarderKind.Konnect,
    },
    cancellationToken));

var paths = new Argument<string[]>("paths") { Description = "Files or folders of manifests.", Arity = ArgumentArity.OneOrMore };
var strict = new Option<bool>("--strict") { Description = "Treat unresolved references (a Service or policy not in PATHS) as errors." };
var validate = new Command("validate", "Check manifests as the gateway would; exit 1 with one line per problem (file:line: Kind namespace/name: reason).") { paths, strict };
validate.SetAction(parse => ValidateCommand.Run(parse.GetValue(paths)!, parse.GetValue(strict), Console.Out, Console.Error));

var output = new Option<string?>("--output", "-o") { Description = "Write one file per CRD into this folder instead of printing them." };
var reference = new Option<string?>("--reference") { Description = "Also write the API reference (Markdown, generated from the same schema) to this file." };
var crds = new Command("crds", "Print the CustomResourceDefinitions (or write them with --output).") { output, reference };
crds.SetAction(parse => CrdsCommand.Run(parse.GetValue(output), Console.Out, parse.GetValue(reference)));

var version = new Command("version", "Print the version.");
version.SetAction(_ => VersionCommand.Run(Console.Out));

root.Subcommands.Add(run);
root.Subcommands.Add(validate);
root.Subcommands.Add(crds);
root.Subcommands.Add(version);
return await root.Parse(args).InvokeAsync();

static string[]? Split(string? value) =>
    string.IsNullOrWhiteSpace(value) ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

static bool? OnOff(string? value) => value?.Trim().ToLowerInvariant() switch
{
    "on" or "true" or "1" or "yes" => true,
    "off" or "false" or "0" or "no" => false,
    _ => null,
};

static Option<TimeSpan> DurationOption(string name, string description, string fallback) => new(name)
{
    Description = $"{description} Default {fallback}.",
    DefaultValueFactory = _ => Konnect.Api.Duration.TryParse(fallback, out var value) ? value : TimeSpan.Zero,
    CustomParser = result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : fallback;
        if (Konnect.Api.Duration.TryParse(text, out var value) && value > TimeSpan.Zero) { return value; }
        result.AddError($"{name}: \"{text}\" is not a duration such as 15s or 500ms");
        return TimeSpan.Zero;
    },
};
