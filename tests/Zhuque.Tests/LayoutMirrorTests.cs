using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// src/Interpose/Image/Layout.cs against native/include/zhuque/image.h, as
/// gcc sees it. The C probe is generated from the C# mirror (every field of
/// every struct, every constant, every enum member), so a C# field that C
/// lacks fails to compile; sizeof of each struct catches a field C has and
/// C# lacks; scanning the header catches a constant or enum member C# lacks.
/// </summary>
public sealed partial class LayoutMirrorTests
{
    static readonly Type[] Structs =
    [
        typeof(ZqRegion), typeof(ZqThread), typeof(ZqFdEventfd), typeof(ZqFdTimerfd), typeof(ZqFdSignalfd), typeof(ZqFdListen),
        typeof(ZqFdSocket), typeof(ZqFdArg), typeof(ZqFd), typeof(ZqEpollItem), typeof(ZqListenHead), typeof(ZqSockopt),
        typeof(ZqMapFile), typeof(ZqPunch), typeof(ZqAltstack), typeof(ZqHeader),
    ];
    static readonly Type[] Enums = [typeof(ZqState), typeof(ZqLost), typeof(ZqFile), typeof(ZqSpliceState), typeof(ZqThreadState), typeof(ZqFdKind)];

    [Fact]
    public void EveryStructFieldOffsetSizeAndSignednessMatchesC()
    {
        var mismatches = LayoutComparer.Compare(Structs, Repo.IncludeDir, "zhuque/image.h");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EveryConstantAndEnumMemberMatchesC()
    {
        var probe = new StringBuilder("#include <stdio.h>\n#include <zhuque/image.h>\nint main(void)\n{\n");
        var expected = new Dictionary<string, string>();
        foreach (var (cname, value) in Constants())
        {
            probe.AppendLine(value.StartsWith('"')
                ? $"\tprintf(\"{cname} \\\"%s\\\"\\n\", {cname});"
                : $"\tprintf(\"{cname} %llu\\n\", (unsigned long long)({cname}));");
            expected[cname] = value;
        }
        foreach (var e in Enums)
            probe.AppendLine($"\tprintf(\"sizeof_enum_{CName(e)} %zu\\n\", sizeof(enum {CName(e)}));");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), Repo.IncludeDir);

        var mismatches = expected.Where(p => actual[p.Key] != p.Value)
            .Select(p => $"{p.Key}: C {actual[p.Key]}, C# {p.Value}")
            .Concat(Enums.Where(e => actual[$"sizeof_enum_{CName(e)}"] != Marshal.SizeOf(Enum.GetUnderlyingType(e)).ToString())
                .Select(e => $"enum {CName(e)}: C size {actual[$"sizeof_enum_{CName(e)}"]}, C# {Marshal.SizeOf(Enum.GetUnderlyingType(e))}"))
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EveryConstantAndEnumMemberOfTheHeaderIsMirrored()
    {
        var header = File.ReadAllText(Repo.ImageHeader);
        var mirrored = Constants().Select(c => c.CName).ToHashSet();
        var inC = DefineRegex().Matches(header).Select(m => m.Groups[1].Value)
            .Concat(EnumMemberRegex().Matches(header).Select(m => m.Groups[1].Value))
            .Where(n => n != "ZHUQUE_IMAGE_H")
            .ToList();
        Assert.NotEmpty(inC);
        var missing = inC.Where(n => !mirrored.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"in image.h but not in Layout.cs: {string.Join(", ", missing)}");
        var structs = StructRegex().Matches(header).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(structs.Order(), Structs.Select(CName).Order());
    }

    /// <summary>zq_file_names, the one list of region file names, is Layout.FileNames entry by entry.</summary>
    [Fact]
    public void TheRegionFileNamesMatchC()
    {
        var probe = new StringBuilder("#include <stdio.h>\n#include <zhuque/image.h>\nint main(void)\n{\n");
        probe.AppendLine("\tprintf(\"count %zu\\n\", sizeof zq_file_names / sizeof *zq_file_names);");
        probe.AppendLine("\tfor (int i = 0; i < ZQ_FILE_COUNT; i++) printf(\"name%d \\\"%s\\\"\\n\", i, zq_file_names[i]);");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), Repo.IncludeDir);

        Assert.Equal(((int)ZqFile.Count).ToString(), actual["count"]);
        Assert.Equal((int)ZqFile.Count, Layout.FileNames.Count);
        for (var i = 0; i < Layout.FileNames.Count; i++)
            Assert.True($"\"{Layout.FileNames[i]}\"" == actual[$"name{i}"], $"zq_file_names[{i}]: C {actual[$"name{i}"]}, C# \"{Layout.FileNames[i]}\"");
        Assert.Equal("regions/stack", BackingFiles.RelativePath(ZqFile.Stack));
        Assert.Null(BackingFiles.RelativePath(ZqFile.Program));
    }

    /// <summary>zq_listen_opts, where a listener's options begin, is DescriptorData.OptionsOffset for every address length.</summary>
    [Fact]
    public void TheListenerOptionsOffsetMatchesC()
    {
        var probe = new StringBuilder("#include <stdio.h>\n#include <zhuque/image.h>\nint main(void)\n{\n");
        probe.AppendLine($"\tfor (unsigned n = 0; n <= {DescriptorData.MaxAddressLength}; n++) printf(\"opts%u %u\\n\", n, zq_listen_opts(n));");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), Repo.IncludeDir);

        var mismatches = Enumerable.Range(0, DescriptorData.MaxAddressLength + 1)
            .Where(n => actual[$"opts{n}"] != DescriptorData.OptionsOffset((uint)n).ToString())
            .Select(n => $"address of {n} bytes: C {actual[$"opts{n}"]}, C# {DescriptorData.OptionsOffset((uint)n)}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>The comparison must be able to fail: a mirror missing its last field is caught.</summary>
    [Fact]
    public void AMirrorWithAMissingFieldIsCaught()
    {
        var mismatches = LayoutComparer.Compare([typeof(RegionWithoutFile)], Repo.IncludeDir, "zhuque/image.h");
        Assert.Contains(mismatches, m => m.StartsWith("covered.zq_region"));
    }

    /// <summary>And a field of the wrong signedness, though its size and offset agree.</summary>
    [Fact]
    public void AMirrorWithAWrongSignednessIsCaught()
    {
        var mismatches = LayoutComparer.Compare([typeof(RegionWithSignedProt)], Repo.IncludeDir, "zhuque/image.h");
        Assert.Contains(mismatches, m => m.Contains("prot") && m.Contains("signed"));
    }

    /// <summary>And a union member of the wrong type, though its size and offset agree (LISTEN's args read as a SOCKET's).</summary>
    [Fact]
    public void AMirrorWithAWrongNestedTypeIsCaught()
    {
        var mismatches = LayoutComparer.Compare([typeof(ArgWithListenAsSocket)], Repo.IncludeDir, "zhuque/image.h");
        Assert.Contains(mismatches, m => m.StartsWith("type.zq_fd_arg.listen"));
    }

    [CName("zq_fd_arg")]
    [StructLayout(LayoutKind.Explicit)]
    struct ArgWithListenAsSocket
    {
        [FieldOffset(0)] public ZqFdSocket Listen;
    }

    [CName("zq_region")]
    [StructLayout(LayoutKind.Sequential)]
    struct RegionWithoutFile
    {
        public ulong Start;
        public ulong End;
        public ulong Offset;
        public uint Prot;
    }

    [CName("zq_region")]
    [StructLayout(LayoutKind.Sequential)]
    struct RegionWithSignedProt
    {
        public ulong Start;
        public ulong End;
        public ulong Offset;
        public int Prot;
        public uint File;
    }

    static IEnumerable<(string CName, string Value)> Constants()
    {
        foreach (var f in typeof(Layout).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            yield return (f.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"Layout.{f.Name} has no [CName]"),
                f.GetRawConstantValue() is string s ? $"\"{s}\"" : Convert.ToUInt64(f.GetRawConstantValue()).ToString());
        foreach (var e in Enums)
        {
            foreach (var f in e.GetFields(BindingFlags.Public | BindingFlags.Static))
                yield return (f.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{e.Name}.{f.Name} has no [CName]"),
                    Convert.ToUInt64(f.GetRawConstantValue()).ToString());
        }
    }

    static string CName(Type t) => t.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name} has no [CName]");

    [GeneratedRegex(@"^#define\s+(\w+)\s+\S", RegexOptions.Multiline)]
    private static partial Regex DefineRegex();

    [GeneratedRegex(@"^\s*(ZQ_\w+)\s*=", RegexOptions.Multiline)]
    private static partial Regex EnumMemberRegex();

    [GeneratedRegex(@"^(?:struct|union)\s+(\w+)\s*\{", RegexOptions.Multiline)]
    private static partial Regex StructRegex();
}

/// <summary>Generates the offsetof/sizeof probe for mirror structs and compares the answers.</summary>
public static partial class LayoutComparer
{
    public static List<string> Compare(IEnumerable<Type> structs, string includeDir, string header)
    {
        var probe = new StringBuilder($"#include <stddef.h>\n#include <stdio.h>\n#include <{header}>\n");
        probe.AppendLine("#define SIGNED(T, f) ((__typeof__(((T *)0)->f))-1 < 0)");
        probe.AppendLine("#define MAX(a, b) ((a) > (b) ? (a) : (b))");
        probe.AppendLine("int main(void)\n{");
        var expected = new Dictionary<string, string>();
        var coverage = new List<string>();
        foreach (var t in structs)
        {
            var c = t.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name} has no [CName]");
            var union = IsUnion(t);
            var tag = $"{(union ? "union" : "struct")} {c}";
            probe.AppendLine($"\tprintf(\"sizeof.{c} %zu\\n\", sizeof({tag}));");
            expected[$"sizeof.{c}"] = Marshal.SizeOf(t).ToString();
            var fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            // A field C has and C# lacks can hide in the tail padding of the C#
            // struct, so also require the C# fields to cover every byte of the
            // C struct (image.h has explicit padding only); a union's largest
            // member must fill it.
            var sizes = fields.Select(f => $"sizeof((({tag} *)0)->{SnakeCase(f.Name)})");
            probe.AppendLine($"\tprintf(\"covered.{c} %zu\\n\", " +
                (union ? sizes.Aggregate("(size_t)0", (a, b) => $"MAX({a}, {b})") : string.Join(" + ", sizes.Prepend("(size_t)0"))) + ");");
            coverage.Add(c);
            foreach (var f in fields)
            {
                var field = SnakeCase(f.Name);
                var key = $"{c}.{field}";
                // A fixed buffer mirrors a C array: its signedness is its element's.
                var array = f.GetCustomAttribute<FixedBufferAttribute>();
                var element = array is null ? field : field + "[0]";
                probe.AppendLine($"\tprintf(\"offsetof.{key} %zu\\n\", offsetof({tag}, {field}));");
                probe.AppendLine($"\tprintf(\"size.{key} %zu\\n\", sizeof((({tag} *)0)->{field}));");
                expected[$"offsetof.{key}"] = Marshal.OffsetOf(t, f.Name).ToString();
                expected[$"size.{key}"] = (array is null ? Marshal.SizeOf(f.FieldType) : Marshal.SizeOf(array.ElementType) * array.Length).ToString();
                if (f.FieldType.GetCustomAttribute<CNameAttribute>() is { } nested)
                {
                    // A nested struct or union: C's must be the very type C# names (compared on its own).
                    var nestedTag = $"{(IsUnion(f.FieldType) ? "union" : "struct")} {nested.Name}";
                    probe.AppendLine($"\tprintf(\"type.{key} %d\\n\", __builtin_types_compatible_p(__typeof__((({tag} *)0)->{field}), {nestedTag}));");
                    expected[$"type.{key}"] = "1";
                    continue;
                }
                probe.AppendLine($"\tprintf(\"signed.{key} %d\\n\", SIGNED({tag}, {element}));");
                expected[$"signed.{key}"] = IsSigned(array?.ElementType ?? f.FieldType) ? "1" : "0";
            }
        }
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), includeDir);
        return [
            .. expected.Where(p => actual[p.Key] != p.Value).Select(p => $"{p.Key}: C {actual[p.Key]}, C# {p.Value}"),
            .. coverage.Where(c => actual[$"covered.{c}"] != actual[$"sizeof.{c}"])
                .Select(c => $"covered.{c}: the C# fields cover {actual[$"covered.{c}"]} of the {actual[$"sizeof.{c}"]} bytes of struct {c} (a field missing in C#?)"),
        ];
    }

    /// <summary>A struct of LayoutKind.Explicit mirrors a C union.</summary>
    static bool IsUnion(Type t) => t.StructLayoutAttribute?.Value == LayoutKind.Explicit;

    static bool IsSigned(Type t) => t == typeof(sbyte) || t == typeof(short) || t == typeof(int) || t == typeof(long);

    /// <summary>AbiVersion → abi_version: the convention by which mirror fields are named.</summary>
    public static string SnakeCase(string name) => SnakeRegex().Replace(name, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex SnakeRegex();
}
