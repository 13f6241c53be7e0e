using System.Text.Json.Serialization;

namespace Lb.Core.Config;

/// <summary>
/// The engine config file's serialization code, generated at build time: snake_case keys, indented with "\n" line
/// ends, addresses and names as strings. Unknown keys, missing required keys and nulls where no null is allowed are
/// errors; the loader checks those itself first so it can report them all (<see cref="JsonShapeChecker"/>).
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters =
    [
        typeof(Ipv4AddressConverter), typeof(MacAddressConverter), typeof(Ipv4EndpointConverter),
        typeof(EngineRoleConverter), typeof(PacketIoConverter), typeof(TransportProtocolConverter),
    ])]
[JsonSerializable(typeof(EngineConfig))]
internal sealed partial class EngineConfigJsonContext : JsonSerializerContext;
