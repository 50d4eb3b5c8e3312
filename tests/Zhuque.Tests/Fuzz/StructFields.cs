using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zhuque.Tests.Fuzz;

/// <summary>A field of a mirrored struct: where it lies in the struct and how wide it is (1, 2, 4 or 8 bytes).</summary>
public sealed record StructField(string Name, int Offset, int Size);

/// <summary>The fields of a layout struct (Layout.cs), found by reflection; a fixed array counts as one field per element.</summary>
public static class StructFields
{
    public static StructField[] Of<T>() where T : unmanaged
    {
        var fields = new List<StructField>();
        foreach (var f in typeof(T).GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            var offset = (int)Marshal.OffsetOf<T>(f.Name);
            if (f.GetCustomAttribute<FixedBufferAttribute>() is { } array)
            {
                var size = Marshal.SizeOf(array.ElementType);
                for (var i = 0; i < array.Length; i++)
                    fields.Add(new StructField($"{f.Name}[{i}]", offset + (i * size), size));
            }
            else
                fields.Add(new StructField(f.Name, offset, Marshal.SizeOf(f.FieldType.IsEnum ? Enum.GetUnderlyingType(f.FieldType) : f.FieldType)));
        }
        var total = Unsafe.SizeOf<T>();
        if (fields.Any(f => f.Offset + f.Size > total))
            throw new InvalidOperationException($"{typeof(T).Name}: a field runs past the struct");
        return [.. fields];
    }
}
