"""PDF/A-2b post-processing with pikepdf: output intent, XMP identification and metadata, document id.

ReportLab's open-source edition writes neither an output intent nor PDF/A metadata, so the renderers lay out
with embedded TrueType fonts only (no standard-14 font) and this step adds the rest. The checks the tests make
are listed in `tests/pdf/test_archive.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from PIL import ImageCms

NAMESPACE = "https://molnbedomning.se/ns/rapport/1.0/"
PREFIX = "mb"
PRODUCER = "Molnbedömning (ReportLab, pikepdf)"

# Custom XMP properties (PDF/A needs each described in a pdfaExtension schema).
_PROPERTIES = (
    ("recordId", "Id of the assessment record the report shows"),
    ("recordHash", "SHA-256 of the frozen assessment record, empty when not frozen"),
    ("ruleSetId", "Id of the rule set the assessment is pinned to"),
    ("ruleSetVersion", "Version of the rule set"),
    ("ruleSetSha256", "SHA-256 of the rule-set file"),
)


@dataclass(frozen=True)
class ArchiveMeta:
    """Document metadata for the XMP packet and the info dictionary."""

    title: str
    author: str
    subject: str
    created: datetime
    record_id: str = ""
    record_hash: str = ""
    ruleset_id: str = ""
    ruleset_version: str = ""
    ruleset_sha256: str = ""
    language: str = "sv-SE"

    def custom(self) -> dict[str, str]:
        """Return the values of the custom XMP properties."""
        return {
            "recordId": self.record_id,
            "recordHash": self.record_hash,
            "ruleSetId": self.ruleset_id,
            "ruleSetVersion": self.ruleset_version,
            "ruleSetSha256": self.ruleset_sha256,
        }

    def keywords(self) -> str:
        """Return the searchable keywords: record id, rule-set version and record hash."""
        parts = [f"{key}={value}" for key, value in self.custom().items() if value]
        return "; ".join(parts)


@functools.cache
def srgb_profile() -> bytes:
    """Return an sRGB ICC profile built by LittleCMS (through Pillow)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data: bytes = profile.tobytes()
    return data


def _xmp_date(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _pdf_date(value: datetime) -> str:
    text = "D:" + value.strftime("%Y%m%d%H%M%S")
    offset = value.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _clean(meta: ArchiveMeta) -> ArchiveMeta:
    """Drop the characters XML cannot hold, so that the XMP is well formed and equals the info dictionary."""
    changes: dict[str, Any] = {
        f.name: _NOT_XML.sub("", value)
        for f in dataclasses.fields(meta)
        if isinstance(value := getattr(meta, f.name), str)
    }
    return dataclasses.replace(meta, **changes)


def xmp_packet(meta: ArchiveMeta) -> bytes:
    """Return the XMP packet: PDF/A-2b identification, Dublin Core, custom properties and their schema."""
    meta = _clean(meta)
    x = escape
    created = _xmp_date(meta.created)
    custom = "".join(f"<{PREFIX}:{name}>{x(value)}</{PREFIX}:{name}>" for name, value in meta.custom().items())
    properties = "".join(
        "<rdf:li rdf:parseType='Resource'>"
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{x(description)}</pdfaProperty:description>"
        "</rdf:li>"
        for name, description in _PROPERTIES
    )
    text = (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about=''"
        " xmlns:dc='http://purl.org/dc/elements/1.1/'"
        " xmlns:xmp='http://ns.adobe.com/xap/1.0/'"
        " xmlns:pdf='http://ns.adobe.com/pdf/1.3/'"
        " xmlns:pdfaid='http://www.aiim.org/pdfa/ns/id/'"
        f" xmlns:{PREFIX}='{NAMESPACE}'"
        " xmlns:pdfaExtension='http://www.aiim.org/pdfa/ns/extension/'"
        " xmlns:pdfaSchema='http://www.aiim.org/pdfa/ns/schema#'"
        " xmlns:pdfaProperty='http://www.aiim.org/pdfa/ns/property#'>"
        "<pdfaid:part>2</pdfaid:part>"
        "<pdfaid:conformance>B</pdfaid:conformance>"
        "<dc:format>application/pdf</dc:format>"
        f"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>{x(meta.title)}</rdf:li></rdf:Alt></dc:title>"
        f"<dc:creator><rdf:Seq><rdf:li>{x(meta.author)}</rdf:li></rdf:Seq></dc:creator>"
        "<dc:description><rdf:Alt>"
        f"<rdf:li xml:lang='x-default'>{x(meta.subject)}</rdf:li></rdf:Alt></dc:description>"
        f"<dc:language><rdf:Bag><rdf:li>{x(meta.language)}</rdf:li></rdf:Bag></dc:language>"
        f"<pdf:Keywords>{x(meta.keywords())}</pdf:Keywords>"
        f"<pdf:Producer>{x(PRODUCER)}</pdf:Producer>"
        f"<xmp:CreatorTool>{x(PRODUCER)}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{created}</xmp:CreateDate>"
        f"<xmp:ModifyDate>{created}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{created}</xmp:MetadataDate>"
        f"{custom}"
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType='Resource'>"
        "<pdfaSchema:schema>Molnbedömning report record</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{properties}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
        "<?xpacket end='w'?>"
    )
    return text.encode("utf-8", "replace")


def make_pdfa(pdf_bytes: bytes, meta: ArchiveMeta) -> bytes:
    """Turn a ReportLab PDF into PDF/A-2b: output intent, XMP, matching info dictionary, trailer id."""
    meta = _clean(meta)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root
        for key in ("/OpenAction", "/AA", "/AcroForm"):
            if key in root:
                del root[key]
        if "/Names" in root and "/JavaScript" in root.Names:
            del root.Names["/JavaScript"]

        icc = pdf.make_stream(srgb_profile())
        icc.N = 3
        icc.Alternate = pikepdf.Name.DeviceRGB
        root.OutputIntents = pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.OutputIntent,
                    S=pikepdf.Name.GTS_PDFA1,
                    OutputConditionIdentifier=pikepdf.String("sRGB IEC61966-2.1"),
                    RegistryName=pikepdf.String("http://www.color.org"),
                    Info=pikepdf.String("sRGB IEC61966-2.1"),
                    DestOutputProfile=icc,
                )
            ]
        )
        metadata = pdf.make_stream(xmp_packet(meta))
        metadata.Type = pikepdf.Name.Metadata
        metadata.Subtype = pikepdf.Name.XML
        root.Metadata = metadata
        root.Lang = pikepdf.String(meta.language)

        created = _pdf_date(meta.created)
        pdf.trailer.Info = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(meta.title),
                Author=pikepdf.String(meta.author),
                Subject=pikepdf.String(meta.subject),
                Keywords=pikepdf.String(meta.keywords()),
                Creator=pikepdf.String(PRODUCER),
                Producer=pikepdf.String(PRODUCER),
                CreationDate=pikepdf.String(created),
                ModDate=pikepdf.String(created),
            )
        )
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            fix_metadata_version=False,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
        return out.getvalue()
