using System.Text.Json;
using System.Text.Json.Serialization;
using Lb.Core.Addressing;

namespace Lb.Core.Config;

/// <summary>
/// A value the engine config writes as a JSON string (an address, the name of a role...): one parser and one
/// spelling per type. A string that does not parse is a <see cref="JsonException"/> whose message says what is
/// wrong and how to write it (the loader adds the path and an example).
/// </summary>
internal abstract class StringValueConverter<T>(Func<string, T?> parse, Func<T, string> format, Func<string, string> invalid) : JsonConverter<T>
    where T : struct
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? "";
        return parse(text) ?? throw new JsonException(invalid(text));
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(format(value));
}

internal sealed class Ipv4AddressConverter() : StringValueConverter<Ipv4Address>(
    text => Ipv4Address.TryParse(text, out var address) ? address : null,
    address => address.ToString(),
    text => $"'{text}' is not an IPv4 address; write four numbers 0-255");

internal sealed class MacAddressConverter() : StringValueConverter<MacAddress>(
    text => MacAddress.TryParse(text, out var mac) ? mac : null,
    mac => mac.ToString(),
    text => $"'{text}' is not a MAC address; write six hex pairs, or null to discover it");

internal sealed class Ipv4EndpointConverter() : StringValueConverter<Ipv4Endpoint>(
    text => Ipv4Endpoint.TryParse(text, out var endpoint) && EngineLimits.MetricsPort.Contains(endpoint.Port) ? endpoint : null,
    endpoint => endpoint.ToString(),
    text => $"'{text}' is not ADDRESS:PORT; write an IPv4 address and a port {EngineLimits.MetricsPort.Min}-{EngineLimits.MetricsPort.Max}");

internal sealed class EngineRoleConverter() : StringValueConverter<EngineRole>(
    text => text switch { "mux" => EngineRole.Mux, "agent" => EngineRole.Agent, _ => null },
    role => role == EngineRole.Agent ? "agent" : "mux",
    text => $"'{text}' is not a role; use \"mux\" or \"agent\"");

internal sealed class PacketIoConverter() : StringValueConverter<PacketIoKind>(
    PacketIoNames.Parse,
    kind => kind.Name(),
    text => $"'{text}' is not a packet I/O path; use \"ring\" (AF_PACKET rings, the default), \"pcap\" (libpcap) or \"xdp\" (AF_XDP)");

internal sealed class TransportProtocolConverter() : StringValueConverter<TransportProtocol>(
    TransportProtocolNames.Parse,
    protocol => protocol.Name(),
    text => $"'{text}' is not supported; use \"tcp\" or \"udp\"");
