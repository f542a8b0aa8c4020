using Konnect.Model;

namespace Konnect.Gateway.Tls;

/// <summary>
/// Which hosts redirect plain HTTP to https and which send HSTS, from the routes' spec.tls. Looked up like the route
/// table (exact, then most specific "*.suffix") but per host rather than per rule: a redirect or HSTS is a promise
/// about the whole host, and it must hold for its 404s and 503s too. Only for hosts a route names: a route without
/// hosts serves every host, and its redirect would take over every other route's requests.
/// </summary>
internal sealed class HttpsHosts
{
    private readonly Lock _building = new();
    private volatile Table _table = Table.Empty;
    private bool _applied;

    public HttpsHosts(GatewayState state)
    {
        state.ModelApplying += Apply;
        lock (_building)
        {
            // Only when no newer model arrived through the event meanwhile.
            if (!_applied && state.AppliedModel is { } model) { Apply(model); }
        }
    }

    private void Apply(GatewayModel model)
    {
        lock (_building)
        {
            _applied = true;
            _table = Table.Build(model);
        }
    }

    public RouteTlsModel? Find(string host) => _table.Find(host);

    /// <summary>No route asks for a redirect or HSTS: requests need not look at their host at all.</summary>
    public bool IsEmpty => _table.IsEmpty;

    private sealed class Table
    {
        public static readonly Table Empty = new([], []);

        private readonly Dictionary<string, RouteTlsModel> _exact;
        private readonly Dictionary<string, RouteTlsModel>.AlternateLookup<ReadOnlySpan<char>> _wildcard;
        private readonly bool _empty;

        private Table(Dictionary<string, RouteTlsModel> exact, Dictionary<string, RouteTlsModel> wildcard)
        {
            _exact = exact;
            _wildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
            _empty = exact.Count == 0 && wildcard.Count == 0;
        }

        public static Table Build(GatewayModel model)
        {
            var exact = new Dictionary<string, RouteTlsModel>(StringComparer.OrdinalIgnoreCase);
            var wildcard = new Dictionary<string, RouteTlsModel>(StringComparer.OrdinalIgnoreCase);
            foreach (var route in model.Routes)
            {
                if (route.Tls is not { } tls) { continue; }
                foreach (var host in route.Hosts)
                {
                    if (host.StartsWith("*.", StringComparison.Ordinal)) { wildcard.TryAdd(host[1..], tls); }
                    else { exact.TryAdd(host, tls); }
                }
            }
            return exact.Count == 0 && wildcard.Count == 0 ? Empty : new Table(exact, wildcard);
        }

        public bool IsEmpty => _empty;

        public RouteTlsModel? Find(string host)
        {
            if (_empty) { return null; }
            if (host.Length > 0)
            {
                if (_exact.TryGetValue(host, out var exact)) { return exact; }
                for (var dot = host.IndexOf('.'); dot >= 0; dot = host.IndexOf('.', dot + 1))
                {
                    if (_wildcard.TryGetValue(host.AsSpan(dot), out var wildcard)) { return wildcard; }
                }
            }
            return null;
        }
    }
}
