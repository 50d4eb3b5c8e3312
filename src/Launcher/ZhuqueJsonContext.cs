using System.Text.Json.Serialization;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Inspect;

namespace Zhuque.Launcher;

/// <summary>Source-generated JSON (no reflection), so a NativeAOT build of the launcher works.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(InspectReport))]
public sealed partial class ZhuqueJsonContext : JsonSerializerContext;
