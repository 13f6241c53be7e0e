using Lbdeploy.Common;
using Lbdeploy.Rendering;
using Lbdeploy.Watching;

namespace Lbdeploy.Tests.Runner;

/// <summary>What the mux watcher sends a bmv2 switch, and how it reads the CLI's table dumps.</summary>
public sealed class Bmv2CommandsTests
{
    private static readonly Bmv2Member H1 = new("00:00:0a:0d:01:02", 1, "h1");
    private static readonly Bmv2Member H2 = new("00:00:0a:0d:02:02", 2, "h2");

    [Fact]
    public void The_VIP_entry_is_set_nhop_for_one_member_and_ecmp_group_for_more()
    {
        var one = new Bmv2VipVariant([["h1"]], false, null, [H1]);
        var two = new Bmv2VipVariant([["h1", "h2"]], true, 1, [H1, H2]);
        var commands = new Bmv2Commands()
            .ModifyRoute(16777218, one, 0)
            .ModifyRoute(3, two, 1)
            .AddRoute("20.0.0.1/32", two, 4)
            .AddMember(4, 1, H2)
            .ModifyMember(9, H1)
            .DeleteMember(10)
            .DumpRoute("20.0.0.1/32")
            .DumpMember(4, 0);
        Assert.Equal(
        [
            "table_modify ipv4_lpm set_nhop 16777218 => 00:00:0a:0d:01:02 1",
            "table_modify ipv4_lpm ecmp_group 3 => 1 2",
            "table_add ipv4_lpm ecmp_group 20.0.0.1/32 => 4 2",
            "table_add ecmp_group_to_nhop set_nhop 4 1 => 00:00:0a:0d:02:02 2",
            "table_modify ecmp_group_to_nhop set_nhop 9 => 00:00:0a:0d:01:02 1",
            "table_delete ecmp_group_to_nhop 10",
            "table_dump_entry_from_key ipv4_lpm 20.0.0.1/32",
            "table_dump_entry_from_key ecmp_group_to_nhop 4 0",
        ], commands.Lines);
    }

    [Theory]
    [InlineData("00:00:0a:0d:01:02", 512, "does not fit bit<9>")]
    [InlineData("00:00:0a:0d:01:02\ntable_clear ipv4_lpm", 1, "a value holds a line break")]
    [InlineData("00:00:0a:0d:01:02:03", 1, "does not fit bit<48>")]
    public void A_value_the_program_cannot_take_never_reaches_a_switch(string mac, int port, string problem)
    {
        var bad = new Bmv2VipVariant([["h1"]], false, null, [new Bmv2Member(mac, port, "h1")]);
        var commands = new Bmv2Commands();
        var e = Assert.Throws<RunnerException>(() => commands.ModifyRoute(5, bad, 0));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Empty(commands.Lines);
    }

    [Fact]
    public void A_group_id_past_bit_14_is_refused() =>
        Assert.Throws<RunnerException>(() => new Bmv2Commands().AddMember(16384, 0, H1));

    /// <summary>What bmv2's runtime_CLI.py prints for three dumps: an LPM entry, a missing key, an exact entry.</summary>
    private const string Output = """
        Obtaining JSON from switch...
        Done
        Control utility for runtime P4 table manipulation
        RuntimeCmd: Dumping entry 0x1000005
        Match key:
        * hdr.ipv4.dstAddr    : LPM       14000001/32
        Action entry: MyIngress.ecmp_group - 0002, 0004
        RuntimeCmd: Invalid table operation (BAD_MATCH_KEY)
        RuntimeCmd: Dumping entry 0x7
        Match key:
        * meta.ecmp_group_id  : EXACT     0002
        * meta.ecmp_hash      : EXACT     0001
        Action entry: MyIngress.set_nhop - 00000a0d0102, 0001
        RuntimeCmd: 
        """;

    [Fact]
    public void Dumps_are_read_in_order_with_a_missing_key_as_null()
    {
        var answers = Bmv2EntryDump.ParseAll(Output, 3);
        Assert.Equal(new Bmv2EntryDump(0x1000005, "ecmp_group", ["0002", "0004"]), answers[0], RecordComparer.Instance);
        Assert.Equal(2, answers[0]!.FirstParameter);
        Assert.Null(answers[1]);
        Assert.Equal(("set_nhop", 7L), (answers[2]!.Action, answers[2]!.Handle));
    }

    [Fact]
    public void An_answer_of_another_form_is_a_failure_not_a_guess()
    {
        var e = Assert.Throws<RunnerException>(() => Bmv2EntryDump.ParseAll(Output, 4));
        Assert.Contains("answered 3 of 4", e.Message, StringComparison.Ordinal);
        Assert.Throws<RunnerException>(() => Bmv2EntryDump.ParseAll("RuntimeCmd: Dumping entry 0x5\nMatch key:\n", 1));
    }

    private sealed class RecordComparer : IEqualityComparer<Bmv2EntryDump?>
    {
        public static readonly RecordComparer Instance = new();

        public bool Equals(Bmv2EntryDump? x, Bmv2EntryDump? y) =>
            x is not null && y is not null && x.Handle == y.Handle && x.Action == y.Action && x.Data.SequenceEqual(y.Data);

        public int GetHashCode(Bmv2EntryDump? obj) => obj?.Handle.GetHashCode() ?? 0;
    }
}
