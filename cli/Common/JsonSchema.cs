namespace Lbdeploy.Common;

/// <summary>
/// The version of every JSON document lbdeploy writes (plan.json and each command's --json output, errors
/// included), documented in docs/json.md. Raised when a field changes meaning or goes away; new fields do not raise it.
/// </summary>
public static class JsonSchema
{
    public const int Version = 1;

    /// <summary>The field that carries <see cref="Version"/>, first in every document.</summary>
    public const string VersionField = "schema_version";
}
