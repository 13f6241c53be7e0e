namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>What the fakes saw, in the order it happened (commands, daemons, signals, reloads, saves), across threads.</summary>
internal sealed class EventLog
{
    private readonly Lock gate = new();
    private readonly List<string> events = [];

    public void Add(string entry)
    {
        lock (gate) events.Add(entry);
    }

    public IReadOnlyList<string> Entries
    {
        get { lock (gate) return [.. events]; }
    }

    /// <summary>Position of the first entry containing <paramref name="text"/> (fails the test when there is none).</summary>
    public int First(string text) => IndexWhere(text, first: true);

    /// <summary>Position of the last entry containing <paramref name="text"/> (fails the test when there is none).</summary>
    public int Last(string text) => IndexWhere(text, first: false);

    public int Count(string text) => Entries.Count(e => e.Contains(text, StringComparison.Ordinal));

    public void Clear()
    {
        lock (gate) events.Clear();
    }

    private int IndexWhere(string text, bool first)
    {
        var entries = Entries;
        var index = first
            ? entries.ToList().FindIndex(e => e.Contains(text, StringComparison.Ordinal))
            : entries.ToList().FindLastIndex(e => e.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"no event contains '{text}'; events:\n{string.Join('\n', entries)}");
        return index;
    }
}
