using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Lb.Core.Addressing;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// A node's kernel routing table, parsed from `ip -j route show`: single-path routes (`gateway`, `dev`), multipath
/// routes (`nexthops`), FRR's (`nhid`, `protocol` bgp) and connected subnets alike. Keys it does not know are ignored;
/// a table it cannot read is a one-line reason, never an exception.
/// </summary>
public sealed record SwitchFib(ImmutableArray<KernelRoute> Routes)
{
    /// <summary>Route entries nest four levels (table, route, nexthops, flags); anything much deeper is not `ip` output.</summary>
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 16 };

    /// <summary>Forwarding entries by prefix: a k=16 fat-tree switch has ~1000 routes, each compared once.</summary>
    private readonly ILookup<Ipv4Prefix, KernelRoute> byPrefix = Routes.Where(r => r.Forwards).ToLookup(r => r.Destination);

    /// <summary>The forwarding entries for exactly <paramref name="prefix"/>, the one the kernel uses (lowest metric) first.</summary>
    public IEnumerable<KernelRoute> WithPrefix(Ipv4Prefix prefix) => byPrefix[prefix].OrderBy(r => r.Metric);

    /// <summary>The entry the kernel forwards <paramref name="address"/> with: longest prefix, then lowest metric; null when none matches.</summary>
    public KernelRoute? LongestMatch(Ipv4Address address)
    {
        for (var length = 32; length >= 0; length--)
        {
            if (WithPrefix(new Ipv4Prefix(address, length)).FirstOrDefault() is { } route) return route;
        }
        return null;
    }

    /// <summary>Parses `ip -j route show` output; empty output is an empty table.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SwitchFib? fib, [NotNullWhen(false)] out string? error)
    {
        fib = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            fib = new SwitchFib([]);
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(text, JsonOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new BadTable($"the table is a JSON {Kind(document.RootElement)}, not a list of routes");
            }
            var routes = ImmutableArray.CreateBuilder<KernelRoute>();
            var number = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                routes.Add(ParseRoute(entry, ++number));
            }
            fib = new SwitchFib(routes.ToImmutable());
            return true;
        }
        catch (BadTable e)
        {
            error = e.Message;
        }
        catch (JsonException e)
        {
            error = $"not JSON ({TerminalText.Escape(e.Message.ReplaceLineEndings(" "), 120)}): {TerminalText.Quote(text.Trim())}";
        }
        return false;
    }

    private static KernelRoute ParseRoute(JsonElement entry, int number)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new BadTable($"route {number} is a JSON {Kind(entry)}, not an object");
        var where = $"route {number}";
        var dst = Text(entry, "dst", where) ?? throw new BadTable($"{where} has no dst");
        if (!TryParseDestination(dst, out var destination))
        {
            throw new BadTable($"{where} has dst {TerminalText.Quote(dst)}, not an IPv4 prefix");
        }
        where = $"route {number} ({destination})";
        var metric = 0L;
        if (entry.TryGetProperty("metric", out var m) && (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out metric) || metric < 0))
        {
            throw new BadTable($"{where} has metric {TerminalText.Escape(m.GetRawText())}, not a whole number");
        }
        ImmutableArray<KernelNextHop> hops;
        if (entry.TryGetProperty("nexthops", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) throw new BadTable($"{where} has nexthops that are a JSON {Kind(list)}, not a list");
            hops = [.. list.EnumerateArray().Select(hop => hop.ValueKind == JsonValueKind.Object
                ? NextHop(hop, where)
                : throw new BadTable($"{where} has a next hop that is a JSON {Kind(hop)}, not an object"))];
        }
        else
        {
            var single = NextHop(entry, where);
            hops = single.Gateway is null && single.Dev is null ? [] : [single];
        }
        return new KernelRoute(
            destination,
            Text(entry, "type", where) ?? "unicast",
            Text(entry, "protocol", where) ?? "boot",
            Text(entry, "scope", where) ?? "global",
            metric,
            hops);
    }

    /// <summary>`gateway` (IPv4), or `via` {family, host} (iproute2 for a next hop of another family), and `dev`.</summary>
    private static KernelNextHop NextHop(JsonElement hop, string where)
    {
        var gateway = Text(hop, "gateway", where);
        if (gateway is null && hop.TryGetProperty("via", out var via))
        {
            gateway = via.ValueKind == JsonValueKind.Object ? Text(via, "host", where) : throw new BadTable($"{where} has via that is a JSON {Kind(via)}, not an object");
        }
        return new KernelNextHop(gateway, Text(hop, "dev", where));
    }

    private static bool TryParseDestination(string dst, out Ipv4Prefix destination)
    {
        if (dst == "default")
        {
            destination = new Ipv4Prefix(default, 0);
            return true;
        }
        return Ipv4Prefix.TryParse(dst, out destination);
    }

    /// <summary>A text value; iproute2 prints an unnamed protocol or table as its number, so a number is text too.</summary>
    private static string? Text(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new BadTable($"{where} has {name} that is a JSON {Kind(value)}, not text"),
        };
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    /// <summary>Stops the parse with its one-line reason; caught in <see cref="TryParse"/>, never thrown out of it.</summary>
    private sealed class BadTable(string message) : Exception(message);
}
