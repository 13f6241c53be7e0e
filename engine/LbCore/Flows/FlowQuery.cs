using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Packets;

namespace Lb.Core.Flows;

/// <summary>
/// A TCP or UDP 5-tuple written as an operator types it, <c>PROTO SRC:PORT DST:PORT</c>
/// (<c>tcp 10.0.3.2:40000 20.0.0.1:80</c>): the one syntax of the engine's <c>lookup</c> command and of
/// <c>lbdeploy conns --flow</c>. Total: any text gives a key or a one-line reason, never an exception.
/// </summary>
public static class FlowQuery
{
    public const string Syntax = "PROTO SRC:PORT DST:PORT, e.g. 'tcp 10.0.3.2:40000 20.0.0.1:80' (PROTO tcp or udp, ports 1-65535)";

    /// <summary>A longer word is cut in error messages: they echo what the client sent.</summary>
    private const int EchoLength = 40;

    public static bool TryParse(string? text, out FlowKey key, [NotNullWhen(false)] out string? error) =>
        TryParse((text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), out key, out error);

    public static bool TryParse(IReadOnlyList<string> words, out FlowKey key, [NotNullWhen(false)] out string? error)
    {
        key = default;
        if (words.Count != 3)
        {
            error = $"a flow is 3 words, not {words.Count}: {Syntax}";
            return false;
        }
        byte? protocol = words[0] switch { "tcp" => IpProtocol.Tcp, "udp" => IpProtocol.Udp, _ => null };
        if (protocol is not { } proto)
        {
            error = $"protocol '{Echo(words[0])}' is not tcp or udp: {Syntax}";
            return false;
        }
        if (!TryEndpoint(words[1], "source", out var source, out error) || !TryEndpoint(words[2], "destination", out var destination, out error)) return false;
        key = FlowKey.Create(source.Address, (ushort)source.Port, destination.Address, (ushort)destination.Port, proto);
        return true;
    }

    /// <summary>The key as this syntax writes it (what <see cref="TryParse(string?, out FlowKey, out string?)"/> reads back).</summary>
    public static string Format(in FlowKey key) => string.Create(CultureInfo.InvariantCulture,
        $"{IpProtocol.Name(key.Protocol)} {key.SourceAddress}:{key.SourcePort} {key.DestinationAddress}:{key.DestinationPort}");

    private static bool TryEndpoint(string word, string role, out Ipv4Endpoint endpoint, [NotNullWhen(false)] out string? error)
    {
        if (!Ipv4Endpoint.TryParse(word, out endpoint))
        {
            error = $"{role} '{Echo(word)}' is not ADDRESS:PORT (an IPv4 address and a port): {Syntax}";
            return false;
        }
        if (endpoint.Port == 0)
        {
            error = $"{role} port 0 is not a port a TCP or UDP flow uses: {Syntax}";
            return false;
        }
        error = null;
        return true;
    }

    private static string Echo(string word) => word.Length <= EchoLength ? word : word[..EchoLength] + "...";
}
