using Lb.Core.Config;
using Lb.Core.Packets;

namespace Lb.Engine.Tests.SecondChance;

public class SecondChanceOptionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(EngineLimits.MaxAlternates)]
    public void Round_trips(int count)
    {
        var alternates = Enumerable.Range(1, count).Select(i => 0x0A130002u + (uint)i * 0x100).ToArray();
        var bytes = new byte[SecondChanceOption.MaxLength];
        var length = SecondChanceOption.Write(bytes, alternates);
        Assert.Equal(4 + 4 * count, length);
        Assert.Equal([94, (byte)length, 0x10, 0], bytes[..4]);

        Assert.Equal(DropReason.None, SecondChanceOption.Find(bytes.AsSpan(0, length), out var option, out var found));
        Assert.True(found);
        Assert.Equal(count, option.Count);
        for (var i = 0; i < count; i++) Assert.Equal(alternates[i], option[i]);
    }

    [Fact]
    public void Other_options_are_skipped_and_no_option_is_not_an_error()
    {
        byte[] options = [1, 1, 7, 3, 4, 94, 8, 0x10, 0, 10, 0, 0, 1, 0, 0, 0]; // NOP NOP, record route (3 bytes), ours, end
        Assert.Equal(DropReason.None, SecondChanceOption.Find(options, out var option, out var found));
        Assert.True(found);
        Assert.Equal(0x0A000001u, option[0]);
        Assert.Equal(DropReason.None, SecondChanceOption.Find([], out _, out found));
        Assert.False(found);
        Assert.Equal(DropReason.None, SecondChanceOption.Find([1, 1, 1, 0], out _, out found));
        Assert.False(found);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "length 4: no alternate", [94, 4, 0x10, 0] },
        { "length 6: not 4 + 4n", [94, 6, 0x10, 0, 1, 2, 0, 0] },
        { "length 20: four alternates", [94, 20, 0x10, 0, .. new byte[16]] },
        { "length past the options", [94, 12, 0x10, 0, 10, 0, 0, 1] },
        { "length 0", [94, 0, 0, 0] },
        { "length 1", [7, 1, 0, 0] },
        { "type without a length byte", [1, 1, 1, 94] },
        { "another option overruns", [7, 9, 0, 0, 0, 0, 0, 0] },
        { "twice", [94, 8, 0x10, 0, 10, 0, 0, 1, 94, 8, 0x10, 0, 10, 0, 0, 2] },
        { "version 2", [94, 8, 0x20, 0, 10, 0, 0, 1] },
        { "reserved byte set", [94, 8, 0x10, 1, 10, 0, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_options_are_a_drop_reason_never_an_exception(string what, byte[] options)
    {
        Assert.True(SecondChanceOption.Find(options, out _, out _) == DropReason.BadSecondChanceOption, what);
    }

    [Fact]
    public void Writing_zero_or_too_many_alternates_is_a_bug()
    {
        var bytes = new byte[64];
        Assert.Throws<ArgumentOutOfRangeException>(() => SecondChanceOption.Write(bytes, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecondChanceOption.Write(bytes, new uint[EngineLimits.MaxAlternates + 1]));
    }
}
