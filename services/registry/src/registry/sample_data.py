"""Sample data for local runs, built from ../shared/DOMAIN.md.

The pilot zones and parks are the places the action plan names. The enterprises
are fictional but realistic, each with a valid Unified Social Credit Code (made
with the GB 32100 check character), so the registry can be tried end to end.
Loading is an upsert through the batch service, so running it twice changes nothing;
``load_if_empty`` (what ``make run`` uses) loads only into a registry that has never
had an entity, so an edit to a sample entity survives a restart and a retired one
does not come back.
"""

from __future__ import annotations

from sqlalchemy import select

from ecoreg_common.db import Database
from registry import tables, uscc
from registry.entities import batch
from registry.entities.schemas import BatchRequestSchema
from registry.partner import Partner

SAMPLE_PARTNER = "ecoreg-sample"


def _code(serial: int) -> str:
    # 9 = registered with the market regulator, 1 = enterprise, 310115 = Pudong; then a 9-character organisation code.
    return uscc.make("91310115", f"MA1K{serial:04d}")


PILOT_ZONES = [
    {
        "external_id": "pz-zhangjiang",
        "name": "Zhangjiang Science City",
        "name_zh": "张江科学城",
        "district": "pudong",
        "clusters": ["health", "intelligence", "materials"],
    },
    {
        "external_id": "pz-lingang",
        "name": "Lingang New Area",
        "name_zh": "临港新片区",
        "district": "pudong",
        "clusters": ["energy", "space", "intelligence"],
    },
    {
        "external_id": "pz-zizhu",
        "name": "Zizhu Hi-tech Zone",
        "name_zh": "紫竹高新区",
        "district": "minhang",
        "clusters": ["intelligence", "health"],
    },
]

# (external_id, English, Chinese, district, cluster, track, parent pilot zone)
PARKS = [
    ("park-ai-island", "Zhangjiang AI Island", "张江人工智能岛", "pudong", "intelligence", "general_ai", "pz-zhangjiang"),
    ("park-west-bund", "West Bund Smart Valley", "西岸智慧谷", "xuhui", "intelligence", "intelligent_computing", None),
    ("park-hydrogen-valley", "Lingang International Hydrogen Valley", "临港国际氢能谷", "pudong", "energy", "hydrogen", "pz-lingang"),
    ("park-hydrogen-port", "Jiading Hydrogen Port", "嘉定氢能港", "jiading", "energy", "hydrogen", None),
]

# (English, Chinese, subtype, district, cluster, track)
ENTERPRISES = [
    (
        "Shanghai Neurolink Medical Technology Co., Ltd.",
        "上海神链医疗科技有限公司",
        "high_tech",
        "pudong",
        "health",
        "brain_computer_interface",
    ),
    ("Shanghai Cellgene Therapeutics Co., Ltd.", "上海赛基治疗有限公司", "leading", "pudong", "health", "gene_cell_therapy"),
    ("Shanghai Synbio Works Co., Ltd.", "上海合成生物工坊有限公司", "high_tech", "minhang", "health", "synthetic_biology"),
    ("Shanghai Biosafe Instruments Co., Ltd.", "上海生安仪器有限公司", "high_tech", "jiading", "health", "biosafety"),
    ("Shanghai Tensor Compute Co., Ltd.", "上海张量算力有限公司", "leading", "pudong", "intelligence", "intelligent_computing"),
    ("Shanghai General Mind AI Co., Ltd.", "上海通智人工智能有限公司", "ecosystem_leading", "xuhui", "intelligence", "general_ai"),
    ("Shanghai Mirrorverse XR Co., Ltd.", "上海镜界扩展现实有限公司", "high_tech", "yangpu", "intelligence", "extended_reality"),
    ("Shanghai Qubit Photonics Co., Ltd.", "上海量子光子有限公司", "high_tech", "minhang", "intelligence", "quantum"),
    ("Shanghai Skywave 6G Communications Co., Ltd.", "上海天波六代通信有限公司", "high_tech", "pudong", "intelligence", "6g"),
    ("Shanghai Fusion Core Energy Co., Ltd.", "上海聚变核能有限公司", "leading", "minhang", "energy", "advanced_nuclear"),
    ("Shanghai Gridstore Energy Storage Co., Ltd.", "上海网储储能有限公司", "high_tech", "fengxian", "energy", "energy_storage"),
    ("Shanghai Hydrogen Mobility Technology Co., Ltd.", "上海氢动科技有限公司", "leading", "jiading", "energy", "hydrogen"),
    ("Shanghai Fuel Cell Powertrain Co., Ltd.", "上海燃电动力系统有限公司", "high_tech", "pudong", "energy", "hydrogen"),
    ("Shanghai Deepsea Mining Equipment Co., Ltd.", "上海深海采矿装备有限公司", "high_tech", "pudong", "space", "deep_sea"),
    ("Shanghai Polar Shipbuilding Co., Ltd.", "上海极地船舶有限公司", "leading", "baoshan", "space", "aerospace"),
    ("Shanghai eVTOL Aviation Co., Ltd.", "上海电飞航空有限公司", "startup", "jinshan", "space", "aerospace"),
    ("Shanghai Membrana Materials Co., Ltd.", "上海膜材新材料有限公司", "high_tech", "songjiang", "materials", "membranes"),
    ("Shanghai Carbon Fibre Composites Co., Ltd.", "上海碳纤复合材料有限公司", "leading", "jinshan", "materials", "composites"),
    ("Shanghai Superconductor Wire Co., Ltd.", "上海超导线材有限公司", "high_tech", "pudong", "materials", "superconductors"),
    ("Shanghai Graphene Frontier Co., Ltd.", "上海石墨烯前沿有限公司", "high_tech", "baoshan", "materials", "graphene"),
]

# (index into ENTERPRISES, tier)
TECH_CENTRES = [
    (1, "national"),
    (4, "national"),
    (9, "national"),
    (11, "municipal"),
    (14, "municipal"),
    (17, "municipal"),
    (0, "municipal"),
]

# (external_id, kind, subtype, English, Chinese, district, cluster, track)
OTHERS = [
    ("lab-zhangjiang", "lab", "national_lab", "Zhangjiang Laboratory", "张江实验室", "pudong", "intelligence", None),
    ("lab-lingang", "lab", "national_lab", "Lingang Laboratory", "临港实验室", "pudong", "health", None),
    ("lab-pujiang", "lab", "national_lab", "Pujiang Laboratory", "浦江实验室", "xuhui", "intelligence", "general_ai"),
    (
        "ic-bci",
        "innovation_centre",
        "future_industry_innovation_centre",
        "Brain-Computer Interface Innovation Centre",
        "脑机接口未来产业创新中心",
        "pudong",
        "health",
        "brain_computer_interface",
    ),
    (
        "ic-quantum",
        "innovation_centre",
        "future_industry_innovation_centre",
        "Quantum Technology Innovation Centre",
        "量子科技未来产业创新中心",
        "minhang",
        "intelligence",
        "quantum",
    ),
    (
        "college-sjtu",
        "college",
        "future_technology_college",
        "Future Technology College (Minhang campus)",
        "未来技术学院（闵行校区）",
        "minhang",
        "intelligence",
        None,
    ),
    (
        "platform-h2-rd",
        "platform",
        "rnd_platform",
        "International Hydrogen R&D Platform",
        "国际一流氢能研发平台",
        "jiading",
        "energy",
        "hydrogen",
    ),
    (
        "consortium-composites",
        "platform",
        "innovation_consortium",
        "Carbon Fibre Innovation Consortium",
        "碳纤维创新联合体",
        "jinshan",
        "materials",
        "composites",
    ),
    (
        "h2-station-anting",
        "facility",
        "hydrogen_station",
        "Anting Hydrogen Refuelling Station",
        "安亭加氢站",
        "jiading",
        "energy",
        "hydrogen",
    ),
    (
        "h2-station-lingang-1",
        "facility",
        "hydrogen_station",
        "Lingang No. 1 Hydrogen Refuelling Station",
        "临港一号加氢站",
        "pudong",
        "energy",
        "hydrogen",
    ),
    (
        "h2-station-jiading-2",
        "facility",
        "hydrogen_station",
        "Jiading Waigang Hydrogen Refuelling Station",
        "嘉定外冈加氢站",
        "jiading",
        "energy",
        "hydrogen",
    ),
    ("scenario-future-hospital", "scenario", "future_hospital", "Future Hospital pilot", "未来医院试点", "xuhui", "health", None),
    ("scenario-future-community", "scenario", "future_community", "Future Community pilot", "未来社区试点", "yangpu", "intelligence", None),
]


def _entity(
    external_id: str, kind: str, name: str, name_zh: str, district: str, clusters: list[str], *, subtype=None, tracks=(), **extra
) -> dict:
    entity = {
        "kind": kind,
        "name": name,
        "name_zh": name_zh,
        "district": district,
        "clusters": clusters,
        "tracks": list(tracks),
        "external_id": external_id,
    }
    if subtype:
        entity["subtype"] = subtype
    entity.update(extra)
    return entity


def _load(db: Database, items: list[dict]) -> dict[str, int]:
    """Upsert ``items``; their ids by external_id (raises if any item is refused)."""
    # The same schema as POST /api/v1/entities/batch, so sample data obeys every rule.
    loaded = BatchRequestSchema().load({"entities": items})["entities"]
    answer = batch.upsert_batch(db, loaded, Partner(SAMPLE_PARTNER))
    refused = [result for result in answer["items"] if result["status"] == "error"]
    if refused:
        raise RuntimeError(f"sample data refused: {refused}")
    return {item["external_id"]: result["id"] for item, result in zip(items, answer["items"], strict=True)}


def load(db: Database) -> dict[str, int]:
    """Load (or refresh) the sample entities; how many of each kind."""
    zones = _load(
        db,
        [
            _entity(
                z["external_id"],
                "pilot_zone",
                z["name"],
                z["name_zh"],
                z["district"],
                z["clusters"],
                subtype="future_industry_pilot_zone",
                status="building",
            )
            for z in PILOT_ZONES
        ],
    )
    parks = [
        _entity(key, "park", en, zh, district, [cluster], tracks=[track], parent_id=zones[parent] if parent else None)
        for key, en, zh, district, cluster, track, parent in PARKS
    ]
    enterprises = [
        _entity(
            f"ent-{i:03d}",
            "enterprise",
            en,
            zh,
            district,
            [cluster],
            subtype=subtype,
            tracks=[track],
            uscc=_code(i + 1),
            established_on=f"{2012 + i % 10}-0{1 + i % 9}-15",
        )
        for i, (en, zh, subtype, district, cluster, track) in enumerate(ENTERPRISES)
    ]
    ids = _load(db, parks + enterprises)
    centres = []
    for index, tier in TECH_CENTRES:
        en, zh, _, district, cluster, track = ENTERPRISES[index]
        centres.append(
            _entity(
                f"tc-{index:03d}",
                "tech_centre",
                f"{en.removesuffix(' Co., Ltd.')} Technology Centre",
                f"{zh}技术中心",
                district,
                [cluster],
                subtype="enterprise_tech_centre",
                tracks=[track],
                tier=tier,
                parent_id=ids[f"ent-{index:03d}"],
            )
        )
    others = [
        _entity(
            key,
            kind,
            en,
            zh,
            district,
            [cluster],
            subtype=subtype,
            tracks=[track] if track else [],
            tier="national" if kind == "lab" else "none",
        )
        for key, kind, subtype, en, zh, district, cluster, track in OTHERS
    ]
    _load(db, centres + others)
    counts: dict[str, int] = {"pilot_zone": len(zones), "park": len(parks), "enterprise": len(enterprises), "tech_centre": len(centres)}
    for item in others:
        counts[item["kind"]] = counts.get(item["kind"], 0) + 1
    return counts


def load_if_empty(db: Database) -> dict[str, int] | None:
    """``load`` when the change feed is empty (the registry never held an entity); else None.

    The feed, not the entities table, decides: a registry whose entities were all
    retired still has their history and is not empty.
    """
    with db.read() as session:
        if session.execute(select(tables.changes.c.seq).limit(1)).first() is not None:
            return None
    return load(db)
