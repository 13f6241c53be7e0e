namespace Lb.Core.Config;

/// <summary>A config file that cannot be used; <see cref="Errors"/> lists every problem with its key path.</summary>
public sealed class EngineConfigException : Exception
{
    public EngineConfigException(string file, IReadOnlyList<ConfigError> errors)
        : base(Format(file, errors))
    {
        File = file;
        Errors = errors;
    }

    public string File { get; }
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Format(string file, IReadOnlyList<ConfigError> errors) =>
        errors.Count == 1
            ? $"invalid engine config {file}: {errors[0]}"
            : $"invalid engine config {file} ({errors.Count} errors): {string.Join("; ", errors)}";
}
