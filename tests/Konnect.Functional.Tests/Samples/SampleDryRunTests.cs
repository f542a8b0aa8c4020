namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// Every sample outside samples/local must pass `kubectl apply --dry-run=server` on a real cluster: these are the API
/// server's checks a sample can trip over, made on every YAML document (ApiServerRules restates them). Loopback
/// stand-ins for folder mode belong in samples/local, which only `konnect run` reads.
/// </summary>
public sealed class SampleDryRunTests
{
    [Fact]
    public void Samples_ForClusters_EndpointSliceAddressesAreOnesTheApiServerAccepts()
    {
        var documents = SampleDocuments.ForClusters();
        var refused = new List<string>();
        foreach (var slice in documents.Where(d => d.Scalar("kind") == "EndpointSlice"))
        {
            var type = slice.Scalar("addressType") ?? "";
            var endpoints = SampleDocument.Items(slice.Root, "endpoints").ToList();
            refused.AddRange(endpoints.Where(e => !SampleDocument.Items(e, "addresses").Any()).Select(_ => $"{slice.Where}: an endpoint must contain at least 1 address"));
            foreach (var address in endpoints.SelectMany(e => SampleDocument.Items(e, "addresses")).Select(a => a.ToString()))
            {
                if (ApiServerRules.EndpointAddress(type, address) is { } reason) { refused.Add($"{slice.Where}: {address}: {reason}"); }
            }
        }

        Assert.NotEmpty(documents);
        Assert.True(refused.Count == 0, "EndpointSlice addresses a real API server refuses (stand-ins belong in samples/local):\n" + string.Join("\n", refused));
    }

    [Fact]
    public void Samples_ForClusters_EveryObjectHasApiVersionKindAndAValidName()
    {
        var refused = new List<string>();
        foreach (var document in SampleDocuments.ForClusters())
        {
            var kind = document.Scalar("kind");
            if (document.Root is null || string.IsNullOrEmpty(document.Scalar("apiVersion")) || string.IsNullOrEmpty(kind))
            {
                refused.Add($"{document.Where}: every object needs apiVersion, kind and metadata.name");
                continue;
            }
            if (ApiServerRules.ObjectName(kind, document.Scalar("metadata", "name")) is { } reason) { refused.Add($"{document.Where}: {kind}: {reason}"); }
            var ns = document.Scalar("metadata", "namespace");
            if (ns is not null && ApiServerRules.IsClusterScoped(kind)) { refused.Add($"{document.Where}: {kind} is cluster-scoped but names namespace {ns}"); }
            if (ns is not null && ApiServerRules.Namespace(ns) is { } bad) { refused.Add($"{document.Where}: {bad}"); }
        }

        Assert.True(refused.Count == 0, "Objects a real API server refuses:\n" + string.Join("\n", refused));
    }

    [Fact]
    public void Samples_ForClusters_NamespacesAreDefaultOrCreatedInTheirFolder()
    {
        // `kubectl apply -f samples/NAME/` on a fresh cluster answers `namespaces "shop" not found` for every object of a
        // namespace nobody created: each folder creates the namespaces it uses (kubectl applies 00-namespaces.yaml first).
        var documents = SampleDocuments.ForClusters();
        var created = documents.Where(d => d.Scalar("kind") == "Namespace").Select(d => (d.Folder, Name: d.Scalar("metadata", "name"))).ToHashSet();
        var missing = documents
            .Where(d => d.Scalar("kind") is { } kind && !ApiServerRules.IsClusterScoped(kind))
            .Select(d => (Document: d, Namespace: d.Scalar("metadata", "namespace") ?? "default"))
            .Where(x => x.Namespace != "default" && !created.Contains((x.Document.Folder, x.Namespace)))
            .Select(x => $"{x.Document.Where}: namespace {x.Namespace} is not created in {Path.GetFileName(x.Document.Folder)}/")
            .ToList();

        Assert.True(missing.Count == 0, "Namespaced objects whose namespace a fresh cluster lacks:\n" + string.Join("\n", missing));
    }

    [Fact]
    public async Task Samples_ForClusters_CustomResourcesMatchTheCrdSchemas()
    {
        var crds = await CrdSchemas.LoadAsync();
        var checkedCount = 0;
        var refused = new List<string>();
        foreach (var document in SampleDocuments.ForClusters())
        {
            if (crds.Problems(document) is not { } problems) { continue; }
            checkedCount++;
            refused.AddRange(problems.Select(p => $"{document.Where}: {document.Scalar("kind")} {document.Scalar("metadata", "name")}: {p}"));
        }

        Assert.True(checkedCount > 20, $"only {checkedCount} Konnect objects found in the samples");
        Assert.True(refused.Count == 0, "Custom resources the CRDs' schemas refuse:\n" + string.Join("\n", refused));
    }

    [Fact]
    public void LocalStandIns_EndpointSlices_BelongToServicesOfTheClusterSamples()
    {
        // samples/local's EndpointSlices stand in for what Kubernetes writes from a sample Service's pods, so each must
        // name such a Service and its ports, or it stands in for nothing.
        var services = SampleDocuments.ForClusters().Where(d => d.Scalar("kind") == "Service")
            .ToDictionary(d => (d.Scalar("metadata", "namespace") ?? "default", d.Scalar("metadata", "name")));
        var slices = SampleDocuments.LocalStandIns().Where(d => d.Scalar("kind") == "EndpointSlice").ToList();
        var orphans = new List<string>();
        foreach (var slice in slices)
        {
            var key = (slice.Scalar("metadata", "namespace") ?? "default", slice.Scalar("metadata", "labels", "kubernetes.io/service-name"));
            if (!services.TryGetValue(key, out var service)) { orphans.Add($"{slice.Where}: no sample Service {key.Item1}/{key.Item2}"); continue; }
            var servicePorts = SampleDocument.Items(service.Root, "spec", "ports").Select(p => SampleDocument.ScalarOf(p, "name") ?? "").ToHashSet();
            orphans.AddRange(SampleDocument.Items(slice.Root, "ports").Select(p => SampleDocument.ScalarOf(p, "name") ?? "")
                .Where(name => !servicePorts.Contains(name))
                .Select(name => $"{slice.Where}: port {name} is not a port of Service {key.Item1}/{key.Item2}"));
        }

        Assert.NotEmpty(slices);
        Assert.True(orphans.Count == 0, string.Join("\n", orphans));
    }

    [Theory]
    [InlineData("IPv4", "10.42.0.7", null)]
    [InlineData("IPv4", "192.168.1.20", null)]
    [InlineData("IPv6", "2001:db8::7", null)]
    [InlineData("FQDN", "orders.shop.example.com", null)]
    [InlineData("IPv4", "127.0.0.1", "loopback")]
    [InlineData("IPv4", "127.8.9.10", "loopback")]
    [InlineData("IPv6", "::1", "loopback")]
    [InlineData("IPv4", "::ffff:127.0.0.1", "loopback")]
    [InlineData("IPv4", "169.254.169.254", "link-local range")]
    [InlineData("IPv6", "fe80::1", "link-local range")]
    [InlineData("IPv6", "febf::1", "link-local range")]
    [InlineData("IPv4", "224.0.0.251", "link-local multicast")]
    [InlineData("IPv6", "ff02::1", "link-local multicast")]
    [InlineData("IPv6", "ff12::1", "link-local multicast")]
    [InlineData("IPv4", "0.0.0.0", "unspecified")]
    [InlineData("IPv6", "::", "unspecified")]
    [InlineData("IPv4", "2001:db8::7", "valid IPv4")]
    [InlineData("IPv6", "10.42.0.7", "valid IPv6")]
    [InlineData("IPv6", "::ffff:10.42.0.7", "valid IPv6")]
    [InlineData("IPv4", "10.42.7", "valid IPv4")]
    [InlineData("IP", "10.42.0.7", "not supported")]
    public void ApiServerRules_EndpointAddress_RefusesWhatTheApiServerRefuses(string addressType, string address, string? reason)
    {
        var verdict = ApiServerRules.EndpointAddress(addressType, address);

        if (reason is null) { Assert.Null(verdict); }
        else { Assert.Contains(reason, verdict ?? "(accepted)", StringComparison.Ordinal); }
    }
}
