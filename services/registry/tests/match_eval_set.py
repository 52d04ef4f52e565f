"""A labelled evaluation set for entity matching (issue #13).

``REGISTRY`` is a small registry of Shanghai organisations as they would be stored,
chosen so that several share a brand (商汤 / SenseTime, 华虹, 上海电气, 联影, 超导)
and so are easy to confuse. ``cases()`` is the labelled set: records as partners
write them, each with the key of the entity it is, or None when it is none of them.
The variants are the ones partners' lists show: full/half-width brackets, legal
forms changed or dropped, 上海/上海市 prefixes and (上海) moved, case and spacing,
English-only and Chinese-only records, one-character typos, a wrong district; the
negatives are branches, sister companies of a brand, Chinese names one character
from a registered one in its district (another word: 医学/医疗, 光学/光电), and records
whose USCC says they are another legal person. Variants are made by fixed rules from hand-written
names (no randomness), so the set is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

# key: (Chinese, English or None, kind, district)
REGISTRY: dict[str, tuple[str, str | None, str, str]] = {
    "huayu": ("华域视觉科技（上海）有限公司", "Huayu Vision Technology (Shanghai) Co., Ltd.", "enterprise", "songjiang"),
    "huahong_grace": (
        "上海华虹宏力半导体制造有限公司",
        "Shanghai Huahong Grace Semiconductor Manufacturing Corporation",
        "enterprise",
        "pudong",
    ),
    "huahong_ic": ("上海华虹集成电路有限责任公司", "Shanghai Huahong Integrated Circuit Co., Ltd.", "enterprise", "pudong"),
    "huahong_jitong": ("上海华虹计通智能系统股份有限公司", "Shanghai Huahong Jitong Smart System Co., Ltd.", "enterprise", "xuhui"),
    "electric": ("上海电气集团股份有限公司", "Shanghai Electric Group Company Limited", "enterprise", "huangpu"),
    "electric_wind": ("上海电气风电集团股份有限公司", "Shanghai Electric Wind Power Group Co., Ltd.", "enterprise", "minhang"),
    "electric_nuclear": ("上海电气核电集团有限公司", "Shanghai Electric Nuclear Power Group Co., Ltd.", "enterprise", "minhang"),
    "sensetime_ai": ("上海商汤智能科技有限公司", "Shanghai SenseTime Intelligent Technology Co., Ltd.", "enterprise", "xuhui"),
    "sensetime_dev": ("上海商汤科技开发有限公司", "Shanghai SenseTime Technology Development Co., Ltd.", "enterprise", "xuhui"),
    "united_imaging": ("上海联影医疗科技股份有限公司", "Shanghai United Imaging Healthcare Co., Ltd.", "enterprise", "jiading"),
    "united_imaging_ai": ("上海联影智能医疗科技有限公司", "Shanghai United Imaging Intelligence Co., Ltd.", "enterprise", "xuhui"),
    "refire": ("上海重塑能源科技有限公司", "Shanghai Refire Energy Technology Co., Ltd.", "enterprise", "jiading"),
    "sunrise_power": ("上海捷氢科技股份有限公司", "Shanghai Hydrogen Propulsion Technology Co., Ltd.", "enterprise", "jiading"),
    "zhizhen": ("上海治臻新能源股份有限公司", "Shanghai Zhizhen New Energy Co., Ltd.", "enterprise", "jiading"),
    "h_rise": ("上海氢晨新能源科技有限公司", "Shanghai H-Rise New Energy Technology Co., Ltd.", "enterprise", "jiading"),
    "smee": ("上海微电子装备（集团）股份有限公司", "Shanghai Micro Electronics Equipment (Group) Co., Ltd.", "enterprise", "pudong"),
    "amec": ("中微半导体设备（上海）股份有限公司", "Advanced Micro-Fabrication Equipment Inc. China", "enterprise", "pudong"),
    "nsig": ("上海硅产业集团股份有限公司", "National Silicon Industry Group Co., Ltd.", "enterprise", "jiading"),
    "iluvatar": ("上海天数智芯半导体有限公司", "Shanghai Iluvatar CoreX Semiconductor Co., Ltd.", "enterprise", "xuhui"),
    "enflame": ("上海燧原科技有限公司", "Shanghai Enflame Technology Co., Ltd.", "enterprise", "xuhui"),
    "biren": ("上海壁仞智能科技有限公司", "Shanghai Biren Intelligent Technology Co., Ltd.", "enterprise", "xuhui"),
    "cambricon": ("上海寒武纪信息科技有限公司", "Shanghai Cambricon Information Technology Co., Ltd.", "enterprise", "pudong"),
    "everdisplay": ("上海和辉光电股份有限公司", "EverDisplay Optronics (Shanghai) Co., Ltd.", "enterprise", "jinshan"),
    "tianma": ("上海天马微电子有限公司", "Shanghai Tianma Micro-electronics Co., Ltd.", "enterprise", "pudong"),
    "fourier": ("上海傅利叶智能科技有限公司", "Shanghai Fourier Intelligence Co., Ltd.", "enterprise", "pudong"),
    "agibot": ("上海智元新创技术有限公司", "Shanghai Zhiyuan Innovation Technology Co., Ltd.", "enterprise", "pudong"),
    "junshi": ("上海君实生物医药科技股份有限公司", "Shanghai Junshi Biosciences Co., Ltd.", "enterprise", "pudong"),
    "henlius": ("上海复宏汉霖生物技术股份有限公司", "Shanghai Henlius Biotech, Inc.", "enterprise", "xuhui"),
    "obio": ("上海和元生物技术股份有限公司", "OBiO Technology (Shanghai) Corp., Ltd.", "enterprise", "pudong"),
    "microport": ("上海微创医疗器械（集团）有限公司", "Shanghai MicroPort Medical (Group) Co., Ltd.", "enterprise", "pudong"),
    "shsc": ("上海超导科技股份有限公司", "Shanghai Superconductor Technology Co., Ltd.", "enterprise", "pudong"),
    "creative_sc": ("上海创超导体科技有限公司", "Shanghai Creative Superconductor Technologies Co., Ltd.", "enterprise", "pudong"),
    "turing_quantum": ("上海图灵智算量子科技有限公司", "Shanghai Turing Quantum Technology Co., Ltd.", "enterprise", "minhang"),
    "comac": ("中国商用飞机有限责任公司", "Commercial Aircraft Corporation of China, Ltd.", "enterprise", "pudong"),
    "ai_lab": ("上海人工智能实验室", "Shanghai Artificial Intelligence Laboratory", "lab", "xuhui"),
    "zhangjiang_lab": ("张江实验室", "Zhangjiang Laboratory", "lab", "pudong"),
    "qi_zhi": ("上海期智研究院", "Shanghai Qi Zhi Institute", "lab", "xuhui"),
    "brain_centre": (
        "上海脑科学与类脑研究中心",
        "Shanghai Research Center for Brain Science and Brain-Inspired Intelligence",
        "lab",
        "pudong",
    ),
    "simit": (
        "中国科学院上海微系统与信息技术研究所",
        "Shanghai Institute of Microsystem and Information Technology, CAS",
        "lab",
        "changning",
    ),
    "siom": ("中国科学院上海光学精密机械研究所", "Shanghai Institute of Optics and Fine Mechanics, CAS", "lab", "jiading"),
    "quantum_centre": ("上海量子科学研究中心", "Shanghai Research Center for Quantum Sciences", "lab", "pudong"),
    "sjtu_college": ("上海交通大学未来技术学院", "School of Future Technology, Shanghai Jiao Tong University", "college", "minhang"),
    "fudan_college": ("复旦大学未来技术学院", "School of Future Technology, Fudan University", "college", "yangpu"),
    "graphene_platform": ("上海石墨烯产业技术功能型平台", "Shanghai Graphene Industrial Technology Platform", "platform", "baoshan"),
    "hydrogen_centre": (
        "上海氢能利用工程技术研究中心",
        "Shanghai Hydrogen Energy Utilization Engineering Technology Research Center",
        "tech_centre",
        "jiading",
    ),
    "lingang_computing": ("临港新片区智算中心", "Lingang Intelligent Computing Centre", "facility", "pudong"),
}


@dataclass(frozen=True)
class Case:
    record: dict
    expect: str | None  # key in REGISTRY, or None: this record is none of them
    variant: str


def _swap_brackets(name: str) -> str:
    if "（" in name:
        return name.replace("（", "(").replace("）", ")")
    return name.replace("(", "（").replace(")", "）")


def _change_form(name: str) -> str:
    for old, new in (("股份有限公司", "有限公司"), ("有限责任公司", "有限公司"), ("有限公司", "有限责任公司")):
        if name.endswith(old):
            return name[: -len(old)] + new
    return name + "有限公司"


def _drop_form(name: str) -> str:
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if name.endswith(form):
            return name[: -len(form)]
    return name


def _move_city(name: str) -> str | None:
    """上海X有限公司 <-> X（上海）有限公司, as both registered forms are used."""
    if "（上海）" in name:
        return "上海" + name.replace("（上海）", "")
    if name.startswith("上海") and name.endswith("有限公司"):
        stem = _drop_form(name)[2:]
        return f"{stem}（上海）{name[len('上海') + len(stem) :]}"
    return None


def _typo(name: str) -> str:
    """One character of the distinctive part replaced by a look- or sound-alike."""
    swaps = {"华": "化", "视": "示", "宏": "鸿", "电": "申", "商": "尚", "影": "映", "重": "众", "捷": "杰", "臻": "真", "晨": "辰",
             "微": "维", "硅": "桂", "智": "志", "燧": "遂", "仞": "韧", "寒": "韩", "辉": "晖", "马": "玛", "傅": "付", "元": "原",
             "君": "军", "和": "合", "创": "闯", "超": "朝", "灵": "玲", "图": "途", "飞": "非", "人": "仁", "江": "姜",
             "期": "奇", "脑": "恼", "系": "细", "光": "广", "量": "亮", "交": "郊", "复": "福", "墨": "默", "氢": "青", "算": "蒜"}  # fmt: skip
    stem = _drop_form(name)
    start = 2 if stem.startswith("上海") else 0
    for position in range(start + 1, len(stem)):
        if stem[position] in swaps:
            return name[:position] + swaps[stem[position]] + name[position + 1 :]
    return name


def _english_typo(name: str) -> str:
    """Two neighbouring letters of the second word swapped."""
    words = name.split(" ")
    word = words[1] if len(words) > 1 and len(words[1]) > 3 else words[0]
    swapped = word[:1] + word[2] + word[1] + word[3:]
    return name.replace(word, swapped, 1)


def cases() -> list[Case]:
    """The labelled set: about 14 records per registered entity, and negatives."""
    out: list[Case] = []
    for key, (zh, en, kind, district) in REGISTRY.items():
        out.append(Case({"name": zh}, key, "as_stored"))
        out.append(Case({"name": _swap_brackets(zh)}, key, "brackets"))
        out.append(Case({"name_zh": _change_form(zh), "district": district}, key, "legal_form"))
        out.append(Case({"name": _drop_form(zh)}, key, "no_legal_form"))
        if zh.startswith("上海"):
            out.append(Case({"name": "上海市" + zh[2:]}, key, "city_prefix"))
        moved = _move_city(zh)
        if moved:
            out.append(Case({"name": moved, "kind": kind}, key, "city_moved"))
        out.append(Case({"name": " ".join(zh)}, key, "spaces"))
        out.append(Case({"name": _typo(zh), "district": district}, key, "typo_zh"))
        if en:
            out.append(Case({"name": en}, key, "english"))
            out.append(Case({"name": en.upper().replace(",", "").replace(".", "")}, key, "english_case"))
            out.append(Case({"name": en.replace(" Co., Ltd.", " Limited")}, key, "english_form"))
            out.append(Case({"name": _english_typo(en), "district": district}, key, "typo_en"))
            out.append(Case({"name": en, "name_zh": _swap_brackets(zh)}, key, "both_names"))
        # Negatives: another legal person under the same brand.
        out.append(Case({"name": zh, "uscc": "OTHER"}, None, "other_uscc"))
        if zh.endswith("公司"):
            out.append(Case({"name": _drop_form(zh) + "有限公司浦东分公司"}, None, "branch"))
    out += [
        Case({"name": "上海商汤医疗科技有限公司"}, None, "sister_company"),
        Case({"name": "上海华虹半导体有限公司"}, None, "sister_company"),
        Case({"name": "上海电气自动化集团有限公司"}, None, "sister_company"),
        Case({"name": "上海联影微电子科技有限公司"}, None, "sister_company"),
        Case({"name": "上海超导材料有限公司"}, None, "sister_company"),
        Case({"name": "北京人工智能实验室"}, None, "other_city"),
        Case({"name": "Beijing SenseTime Technology Development Co., Ltd."}, None, "other_city"),
        Case({"name": "上海氢能科技有限公司"}, None, "generic"),
        Case({"name": "上海未来产业研究院"}, None, "unregistered"),
        Case({"name": "Shanghai Quantum Computing Co., Ltd."}, None, "unregistered"),
        Case({"name": "浦东新区智算中心"}, None, "unregistered"),
        Case({"name": "上海微电子材料有限公司"}, None, "sister_company"),
        Case({"name": "Shanghai Moore Intelligent Technology Co., Ltd.", "district": "xuhui"}, None, "unregistered"),
        Case({"name": "Shanghai Fusion Energy Technology Co., Ltd.", "district": "jiading"}, None, "unregistered"),
        Case({"name": "Shanghai Micro Electronics Materials (Group) Co., Ltd.", "district": "pudong"}, None, "sister_company"),
        Case({"name": "Shanghai United Imaging Surgical Co., Ltd.", "district": "jiading"}, None, "sister_company"),
        Case({"name": "上海和辉电子股份有限公司", "district": "jinshan"}, None, "sister_company"),
        Case({"name": "上海天马有机发光显示技术有限公司", "district": "pudong"}, None, "sister_company"),
        Case({"name": "上海氢晨科技有限公司", "district": "jiading"}, None, "sister_company"),
        Case({"name": "上海智元机器人技术有限公司", "district": "pudong"}, None, "sister_company"),
        # One Chinese character apart, same district: another word, so another company
        # (review of #13: 光学/光子, 医药/医疗). Same form as a typo_zh case, other answer.
        Case({"name": "上海量子科技研究中心", "district": "pudong"}, None, "one_char_zh"),
        Case({"name": "上海联影医学科技有限公司", "district": "jiading"}, None, "one_char_zh"),
        Case({"name": "上海和辉光学股份有限公司", "district": "jinshan"}, None, "one_char_zh"),
        Case({"name": "上海天马微电机有限公司", "district": "pudong"}, None, "one_char_zh"),
        Case({"name": "上海君实生物医疗科技有限公司", "district": "pudong"}, None, "one_char_zh"),
        Case({"name": "上海启智研究院", "district": "xuhui"}, None, "one_char_zh"),
        Case({"name": "上海电气火电集团有限公司", "district": "minhang"}, None, "one_char_zh"),
        Case({"name": "上海商汤智慧科技有限公司", "district": "xuhui"}, None, "one_char_zh"),
    ]
    return out
