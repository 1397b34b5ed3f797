using Sharpcracker.Protocols.Memcached;
using static Sharpcracker.Tests.Protocols.Memcached.TestBytes;

namespace Sharpcracker.Tests.Protocols.Memcached;

/// <summary>
/// CNumber against memcached 1.6.18's util.c safe_strtol / safe_strtoul / safe_strtoull on x86-64 Linux
/// (long and unsigned long are 64-bit; results stored into int32 / uint32 / uint64).
/// </summary>
public sealed class CNumberTests
{
    [Theory]
    [InlineData("12", true, 12)]
    [InlineData("+12", true, 12)]
    [InlineData("-12", true, -12)]
    [InlineData("0", true, 0)]
    [InlineData("-0", true, 0)]
    [InlineData("007", true, 7)]
    [InlineData("\t12", true, 12)]
    [InlineData(" 12", true, 12)]
    [InlineData("\n\v\f\r12", true, 12)]
    [InlineData("12\t", true, 12)]
    [InlineData("12 ", true, 12)]
    [InlineData("12\r", true, 12)]
    [InlineData("12\tjunk", true, 12)]
    [InlineData("\t-3\t", true, -3)]
    [InlineData("12x", false, 0)]
    [InlineData("x12", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("-", false, 0)]
    [InlineData("+", false, 0)]
    [InlineData("\t", false, 0)]
    [InlineData("+-1", false, 0)]
    [InlineData("--1", false, 0)]
    [InlineData("- 1", false, 0)]
    [InlineData("0x10", false, 0)]
    [InlineData("1.5", false, 0)]
    [InlineData("1e3", false, 0)]
    [InlineData("2147483647", true, 2147483647)]
    [InlineData("-2147483648", true, -2147483648)]
    // Parsed as a 64-bit C long, then truncated to int32 when stored.
    [InlineData("2147483648", true, -2147483648)]
    [InlineData("4294967297", true, 1)]
    [InlineData("-2147483649", true, 2147483647)]
    [InlineData("9223372036854775807", true, -1)]
    [InlineData("-9223372036854775808", true, 0)]
    [InlineData("9223372036854775808", false, 0)]
    [InlineData("-9223372036854775809", false, 0)]
    [InlineData("99999999999999999999", false, 0)]
    [InlineData("18446744073709551615", false, 0)]
    public void SafeStrtol(string input, bool ok, int expected)
    {
        Assert.Equal(ok, CNumber.SafeStrtol(Bytes(input), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("12", true, 12u)]
    [InlineData("+12", true, 12u)]
    [InlineData("-12", false, 0u)]
    [InlineData("-1", false, 0u)]
    [InlineData("-0", true, 0u)]
    [InlineData("\t12", true, 12u)]
    [InlineData("12\t", true, 12u)]
    [InlineData("12x", false, 0u)]
    [InlineData("", false, 0u)]
    [InlineData("-", false, 0u)]
    [InlineData("4294967295", true, 4294967295u)]
    // unsigned long is 64-bit; the value is truncated to uint32 when stored.
    [InlineData("4294967296", true, 0u)]
    [InlineData("4294967301", true, 5u)]
    [InlineData("18446744073709551615", true, 4294967295u)]
    [InlineData("9223372036854775808", true, 0u)]
    [InlineData("18446744073709551616", false, 0u)]
    [InlineData("99999999999999999999", false, 0u)]
    // strtoul negates; the '-' check only applies when the result looks negative as a long.
    [InlineData("-9223372036854775808", false, 0u)]
    [InlineData("-9223372036854775809", true, 4294967295u)]
    [InlineData("-18446744073709551615", true, 1u)]
    [InlineData("-18446744073709551616", false, 0u)]
    public void SafeStrtoul(string input, bool ok, uint expected)
    {
        Assert.Equal(ok, CNumber.SafeStrtoul(Bytes(input), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("12", true, 12ul)]
    [InlineData("+12", true, 12ul)]
    [InlineData("-12", false, 0ul)]
    [InlineData("-1", false, 0ul)]
    [InlineData("-0", true, 0ul)]
    [InlineData("\n7", true, 7ul)]
    [InlineData("7\r", true, 7ul)]
    [InlineData("7 x", true, 7ul)]
    [InlineData("7x", false, 0ul)]
    [InlineData("", false, 0ul)]
    [InlineData("-", false, 0ul)]
    [InlineData("9223372036854775808", true, 9223372036854775808ul)]
    [InlineData("18446744073709551615", true, 18446744073709551615ul)]
    [InlineData("18446744073709551616", false, 0ul)]
    [InlineData("99999999999999999999", false, 0ul)]
    [InlineData("-9223372036854775808", false, 0ul)]
    [InlineData("-9223372036854775809", true, 9223372036854775807ul)]
    [InlineData("-18446744073709551615", true, 1ul)]
    [InlineData("-18446744073709551616", false, 0ul)]
    public void SafeStrtoull(string input, bool ok, ulong expected)
    {
        Assert.Equal(ok, CNumber.SafeStrtoull(Bytes(input), out var value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void CSpaceIsExactlyIsspaceInTheCLocale()
    {
        for (var b = 0; b < 256; b++)
        {
            var expected = b is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
            Assert.True(expected == CNumber.IsCSpace((byte)b), $"byte {b}");
        }
    }

    [Fact]
    public void NonAsciiDigitsAreNotDigits()
    {
        Assert.False(CNumber.SafeStrtol("\u00b2"u8, out _));          // superscript two in UTF-8
        Assert.False(CNumber.SafeStrtoull("\uff11"u8, out _));         // fullwidth one
        Assert.False(CNumber.SafeStrtoul(Bytes("1\u00a0"), out _));    // NBSP is not C whitespace
    }
}
