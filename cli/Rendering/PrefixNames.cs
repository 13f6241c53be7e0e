using System.Collections.Concurrent;
using Lb.Core.Addressing;

namespace Lbdeploy.Rendering;

/// <summary>
/// The text of each destination prefix, formatted once per plan: every switch has a route to (nearly) every subnet,
/// so a k=16 fat tree would otherwise format the same ~1000 prefixes once per switch (330,000 strings).
/// Thread-safe: switches render in parallel.
/// </summary>
public sealed class PrefixNames
{
    private readonly ConcurrentDictionary<Ipv4Prefix, string> names = new();

    public string Of(Ipv4Prefix prefix) => names.GetOrAdd(prefix, static p => p.ToString());
}
