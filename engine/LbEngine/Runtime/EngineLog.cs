using System.Globalization;

namespace Lb.Engine.Runtime;

/// <summary>One line per event on stdout (apply redirects it to a log file); per-packet lines only with --verbose.</summary>
public sealed class EngineLog(string role, string host, bool verbose, TextWriter? writer = null)
{
    private readonly TextWriter _writer = writer ?? Console.Out;
    private readonly Lock _lock = new();

    public bool Verbose { get; } = verbose;

    public void Info(string message) => Write("info", message);
    public void Warn(string message) => Write("warn", message);
    public void Error(string message) => Write("error", message);
    public void Trace(string message)
    {
        if (Verbose) Write("trace", message);
    }

    private void Write(string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} lbengine {role} {host} {level}: {message}");
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }
}
