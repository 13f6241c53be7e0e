using System.Text.Json.Serialization;

namespace Lbdeploy.Rendering;

/// <summary>
/// plan.json's serialization code, generated at build time (the reflection-based serializer first discovers the
/// summary's types at run time: ~40 ms more of a one-shot k=16 `plan`). Indented, snake_case, "\n" line ends.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NewLine = "\n")]
[JsonSerializable(typeof(PlanSummary))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
