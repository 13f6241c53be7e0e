namespace Lb.Core.Config;

/// <summary>A config file that cannot be used; <see cref="Errors"/> lists every problem as "key.path: what; fix".</summary>
public sealed class EngineConfigException : Exception
{
    public EngineConfigException(string file, IReadOnlyList<string> errors)
        : base(Format(file, errors))
    {
        File = file;
        Errors = errors;
    }

    public string File { get; }
    public IReadOnlyList<string> Errors { get; }

    private static string Format(string file, IReadOnlyList<string> errors) =>
        errors.Count == 1
            ? $"invalid engine config {file}: {errors[0]}"
            : $"invalid engine config {file} ({errors.Count} errors): {string.Join("; ", errors)}";
}
