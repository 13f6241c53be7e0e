using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>One stretch of a load run with what happened in it: a fault (kill) opens a detection window at <see cref="Fault"/>.</summary>
internal sealed record LoadPhase(string Name, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset? Fault = null)
{
    public static readonly TimeSpan DetectionWindow = TimeSpan.FromSeconds(3);

    /// <summary>A request overlapping [fault, fault + 3 s] may fail: the fault is not detected yet.</summary>
    public bool InWindow(LoadEvent e) => Fault is { } f && e.End >= f && e.Start <= f + DetectionWindow;

    public bool StartedIn(LoadEvent e) => e.Start >= Start && e.Start < End;

    /// <summary>
    /// A failed request (not a broken connection) that started in this phase and that no phase's detection window
    /// explains: a request started just before a fault can fail in that fault's window, which belongs to the next phase.
    /// </summary>
    public bool FailedUnexplained(LoadEvent e, IReadOnlyList<LoadPhase> all) => !e.Ok && !e.Broken && StartedIn(e) && !all.Any(p => p.InWindow(e));
}

/// <summary>Per phase: requests started, failed, failed outside the detection window, long-lived connections alive and broken.</summary>
internal sealed record PhaseRow(string Phase, double Seconds, int Requests, int Failed, int FailedOutsideWindow, int LongLived, int Broken, string BrokenOn)
{
    /// <summary>Requests count in the phase they started in; a broken connection in the phase it broke in.</summary>
    public static IReadOnlyList<PhaseRow> Of(IReadOnlyList<LoadEvent> events, IReadOnlyList<LoadPhase> phases) =>
        [.. phases.Select(p =>
        {
            var started = events.Where(p.StartedIn).ToList();
            var failed = started.Where(e => !e.Ok && !e.Broken).ToList();
            var broken = events.Where(e => e.Broken && e.End >= p.Start && e.End < p.End).ToList();
            var alive = events.Count(e => e.IsLong && e.Start < p.End && e.End > p.Start);
            return new PhaseRow(p.Name, Math.Round((p.End - p.Start).TotalSeconds, 1), started.Count, failed.Count,
                events.Count(e => p.FailedUnexplained(e, phases)), alive, broken.Count,
                string.Join(",", broken.GroupBy(e => e.Dip ?? "?").Select(g => $"{g.Key}:{g.Count()}")));
        })];

    /// <summary>The failed requests (not broken connections) that no detection window explains, in start order.</summary>
    public static IReadOnlyList<LoadEvent> Unexplained(IReadOnlyList<LoadEvent> events, IReadOnlyList<LoadPhase> phases) =>
        [.. events.Where(e => phases.Any(p => p.FailedUnexplained(e, phases))).OrderBy(e => e.Start)];

    public static string Table(IReadOnlyList<PhaseRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"phase",-22} {"s",5} {"requests",9} {"failed",7} {"outside 3s",11} {"long-lived",11} {"broken",7}  broken on");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Phase,-22} {r.Seconds,5:0.0} {r.Requests,9} {r.Failed,7} {r.FailedOutsideWindow,11} {r.LongLived,11} {r.Broken,7}  {r.BrokenOn}");
        }
        return text.ToString();
    }

    public static void Save(string path, IReadOnlyList<PhaseRow> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
    }
}
