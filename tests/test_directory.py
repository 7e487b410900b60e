"""Name resolution, group expansion, and loading region and unit lists."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from regions.models import Region, Unit, UnitGroup
from regions.selectors import directory_resolve_name, directory_resolve_names, unit_group_members

TAIYUAN_COUNTY_GOVERNMENTS = {
    "小店区政府",
    "迎泽区政府",
    "杏花岭区政府",
    "尖草坪区政府",
    "万柏林区政府",
    "晋源区政府",
    "清徐县政府",
    "阳曲县政府",
    "娄烦县政府",
    "古交市政府",
}


def test_short_name_full_name_and_alias_resolve_to_the_same_unit(taiyuan):
    by_short = directory_resolve_name(region=taiyuan, name="市卫生计生委").unit
    by_full = directory_resolve_name(region=taiyuan, name="太原市卫生和计划生育委员会").unit
    by_alias = directory_resolve_name(region=taiyuan, name="市卫计委").unit
    assert by_short is not None
    assert by_short == by_full == by_alias


def test_full_width_brackets_resolve_the_group(taiyuan):
    result = directory_resolve_name(region=taiyuan, name="各县（市、区）人民政府")
    assert result.group is not None
    assert result.group.name == "各县(市、区)人民政府"
    assert result.unit is None


def test_group_alias_resolves_the_group(taiyuan):
    assert (
        directory_resolve_name(region=taiyuan, name="市直各委、局、办").group.name == "市直各部门"
    )


def test_county_government_resolves_from_the_city_by_short_and_plain_name(taiyuan):
    assert directory_resolve_name(region=taiyuan, name="小店区").unit.short_name == "小店区政府"
    assert (
        directory_resolve_name(region=taiyuan, name="古交市人民政府").unit.region.code == "140181"
    )


def test_unknown_name_is_unresolved_not_guessed(taiyuan):
    result = directory_resolve_name(region=taiyuan, name="市宇宙局")
    assert not result.is_resolved
    assert not result.is_ambiguous
    assert result.candidates == ()


def test_same_name_in_two_counties_is_ambiguous_from_the_city_but_not_from_a_county(taiyuan):
    xiaodian = Region.objects.get(code="140105")
    yingze = Region.objects.get(code="140106")
    Unit.objects.create(region=xiaodian, short_name="区发改局", kind="department")
    Unit.objects.create(region=yingze, short_name="区发改局", kind="department")
    from_city = directory_resolve_name(region=taiyuan, name="区发改局")
    assert from_city.is_ambiguous
    assert {u.region.code for u in from_city.candidates} == {"140105", "140106"}
    assert directory_resolve_name(region=xiaodian, name="区发改局").unit.region == xiaodian


def test_resolving_many_names_takes_the_same_three_queries_as_one(
    taiyuan, django_assert_num_queries
):
    names = [*Unit.objects.values_list("short_name", flat=True), "市卫计委", "市直各部门"]
    with django_assert_num_queries(3):
        one = directory_resolve_names(region=taiyuan, names=["市发改委"])
    with django_assert_num_queries(3):
        many = directory_resolve_names(region=taiyuan, names=names)
    assert one["市发改委"].is_resolved
    assert all(r.is_resolved for r in many.values()), [n for n, r in many.items() if not r.unit]


def test_county_governments_group_expands_to_exactly_taiyuans_ten(taiyuan):
    group = UnitGroup.objects.get(region=taiyuan, name="各县(市、区)人民政府")
    members = list(unit_group_members(group=group))
    assert len(members) == 10
    assert {u.short_name for u in members} == TAIYUAN_COUNTY_GOVERNMENTS


def test_departments_group_expands_to_the_citys_departments_only(taiyuan):
    group = UnitGroup.objects.get(region=taiyuan, name="市直各部门")
    members = list(unit_group_members(group=group))
    assert "市发改委" in {u.short_name for u in members}
    assert {u.kind for u in members} == {Unit.Kind.DEPARTMENT}
    assert all(u.region == taiyuan for u in members)
    assert len(members) == Unit.objects.filter(region=taiyuan, kind="department").count() == 26


def test_inactive_unit_drops_out_of_expansion(taiyuan):
    Unit.objects.filter(short_name="娄烦县政府").update(is_active=False)
    group = UnitGroup.objects.get(region=taiyuan, name="各县(市、区)人民政府")
    assert len(unit_group_members(group=group)) == 9


def test_custom_group_expands_to_its_members(taiyuan):
    group = UnitGroup.objects.create(region=taiyuan, name="两区管委会", rule="custom")
    zones = Unit.objects.filter(kind="zone")
    group.members.set(zones)
    assert set(unit_group_members(group=group)) == set(zones)
    assert directory_resolve_name(region=taiyuan, name="两区管委会").group == group


def test_loading_taiyuan_twice_changes_nothing(taiyuan):
    counts = (Region.objects.count(), Unit.objects.count(), UnitGroup.objects.count())
    call_command("load_taiyuan", stdout=StringIO())
    assert (Region.objects.count(), Unit.objects.count(), UnitGroup.objects.count()) == counts


# --- loading region lists from CSV ---------------------------------------------------

CSV_GBK = (
    "区划代码,名称\n"
    "530000,云南省\n"
    "532500,红河哈尼族彝族自治州\n"
    "530400,玉溪市\n"
    "530423,通海县\n"
    "530423100,秀山街道\n"
    "532501,个旧市\n"
).encode("gbk")


def test_load_regions_reads_gbk_infers_levels_parents_governments_and_groups(db, tmp_path):
    path = tmp_path / "yunnan.csv"
    path.write_bytes(CSV_GBK)
    call_command("load_regions", str(path), "--governments", "--groups", stdout=StringIO())

    tonghai = Region.objects.get(code="530423")
    assert tonghai.level == Region.Level.COUNTY
    assert tonghai.parent.code == "530400"
    assert tonghai.parent.parent.code == "530000"
    assert Region.objects.get(code="530423100").parent == tonghai
    assert Region.objects.get(code="530423100").level == Region.Level.TOWNSHIP
    assert Region.objects.get(code="532500").level == Region.Level.PREFECTURE

    yuxi = Region.objects.get(code="530400")
    group = directory_resolve_name(region=yuxi, name="各县(市、区)人民政府").group
    assert [u.short_name for u in unit_group_members(group=group)] == ["通海县政府"]
    assert directory_resolve_name(region=tonghai, name="县直各部门").group is not None


def test_load_regions_again_updates_in_place(db, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(CSV_GBK)
    call_command("load_regions", str(path), stdout=StringIO())
    path.write_text("code,name\n530423,通海县(新名)\n", encoding="utf-8-sig")
    call_command("load_regions", str(path), stdout=StringIO())
    assert Region.objects.count() == 6
    assert Region.objects.get(code="530423").name == "通海县(新名)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"\x89PNG\x00\x00binary", "不是文本"),
        ("名称\n云南省\n".encode(), "缺少必需的列"),
        ("code,name\n530000,云南省\n53AB00,坏代码\n".encode(), "第 3 行"),
        ("code,name\n530000,云南省\n530000,云南省\n".encode(), "重复"),
    ],
)
def test_bad_region_csv_is_refused_with_a_message_and_writes_nothing(
    db, tmp_path, content, message
):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("load_regions", str(path))
    assert Region.objects.count() == 0


def test_load_units_creates_units_with_aliases_and_refuses_unknown_regions(taiyuan, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "region_code,short_name,full_name,kind,aliases\n"
        "140100,市大数据局,太原市大数据应用局,部门,市大数据中心|市数据局\n",
        encoding="utf-8",
    )
    call_command("load_units", str(path), stdout=StringIO())
    unit = directory_resolve_name(region=taiyuan, name="市数据局").unit
    assert unit.short_name == "市大数据局"
    assert unit.kind == Unit.Kind.DEPARTMENT

    path.write_text("region_code,short_name,kind\n999999,某局,department\n", encoding="utf-8")
    with pytest.raises(CommandError, match="999999"):
        call_command("load_units", str(path))


def test_units_below_a_region_are_its_subtrees_at_every_depth(taiyuan):
    """Down the parent index level by level: the same units as the subtree condition, for
    the province, the city, a county, and a township four levels down."""
    from regions.selectors import region_subtree_q, units_below

    county = Region.objects.get(code="140105")
    town = Region.objects.create(code="140105001", name="某街道", level="township", parent=county)
    Unit.objects.create(region=town, short_name="某街道办", kind="government")
    for region in (taiyuan.parent, taiyuan, county, town):
        expected = set(Unit.objects.filter(region_subtree_q(region, prefix="region__")))
        assert set(units_below(region=region)) == expected
        assert expected
    assert Unit.objects.get(short_name="某街道办") in set(units_below(region=taiyuan))
