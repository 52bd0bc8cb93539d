#!/usr/bin/env python3
"""Writes SharpSpeed's bundled oasst1-format sample (assets/data/oasst1-sample/).

Python 3 standard library only; fixed seed, so running it again reproduces the committed files byte for byte:

    python3 tools/make_oasst1_sample.py            # writes assets/data/oasst1-sample/

Every tree follows the oasst1 release layout ({"message_tree_id", "tree_state", "prompt": {..., "replies": [...]}}).
Questions have short, exact answers a tiny model can learn: arithmetic, unit conversions, capitals and short facts,
in English and Chinese. Each tree also carries branches Open-Assistant's SFT rules must remove, with wrong answers
in them, so the filters visibly matter: replies ranked 2 (dropped by top_k <= 2), deleted and synthetic replies,
trees that are not ready_for_export, and prompts that failed review. Some trees have a follow-up turn, and some
end on an unanswered prompter message (kept through the first such reply, then cut, as Open-Assistant does).

validation.trees.jsonl holds questions for scoring; validation.answers.json lists each validation tree's question
and the short answer a greedy generation must contain.
"""

import json
import random
from pathlib import Path

SEED = 20240412
OUT = Path(__file__).resolve().parent.parent / "assets" / "data" / "oasst1-sample"

CAPITALS = [
    ("France", "Paris", "法国", "巴黎"), ("Germany", "Berlin", "德国", "柏林"), ("Italy", "Rome", "意大利", "罗马"),
    ("Spain", "Madrid", "西班牙", "马德里"), ("Japan", "Tokyo", "日本", "东京"), ("China", "Beijing", "中国", "北京"),
    ("Russia", "Moscow", "俄罗斯", "莫斯科"), ("Egypt", "Cairo", "埃及", "开罗"), ("Canada", "Ottawa", "加拿大", "渥太华"),
    ("Australia", "Canberra", "澳大利亚", "堪培拉"), ("Brazil", "Brasilia", "巴西", "巴西利亚"),
    ("India", "New Delhi", "印度", "新德里"), ("Greece", "Athens", "希腊", "雅典"), ("Norway", "Oslo", "挪威", "奥斯陆"),
    ("Sweden", "Stockholm", "瑞典", "斯德哥尔摩"), ("Portugal", "Lisbon", "葡萄牙", "里斯本"),
    ("Austria", "Vienna", "奥地利", "维也纳"), ("Poland", "Warsaw", "波兰", "华沙"), ("Kenya", "Nairobi", "肯尼亚", "内罗毕"),
    ("Peru", "Lima", "秘鲁", "利马"),
]

FACTS = [
    ("How many legs does a spider have?", "8", "蜘蛛有几条腿？", "8"),
    ("How many days are in a week?", "7", "一周有几天？", "7"),
    ("How many months are in a year?", "12", "一年有几个月？", "12"),
    ("What color is a clear daytime sky?", "blue", "晴天的天空是什么颜色？", "蓝色"),
    ("At what Celsius temperature does water freeze?", "0", "水在摄氏几度结冰？", "0"),
    ("At what Celsius temperature does water boil at sea level?", "100", "海平面上水在摄氏几度沸腾？", "100"),
    ("How many continents are there?", "7", "地球上有几个大洲？", "7"),
    ("What is the largest planet in the solar system?", "Jupiter", "太阳系最大的行星是哪一颗？", "木星"),
    ("How many sides does a triangle have?", "3", "三角形有几条边？", "3"),
    ("How many hours are in a day?", "24", "一天有多少小时？", "24"),
    ("Which planet is closest to the sun?", "Mercury", "离太阳最近的行星是哪一颗？", "水星"),
    ("How many minutes are in an hour?", "60", "一小时有多少分钟？", "60"),
]

# (English question pattern, unit answer word, Chinese pattern, Chinese unit, factor)
UNITS = [
    ("How many centimeters are in {n} meters?", "centimeters", "{n}米等于多少厘米？", "厘米", 100),
    ("How many grams are in {n} kilograms?", "grams", "{n}千克等于多少克？", "克", 1000),
    ("How many minutes are in {n} hours?", "minutes", "{n}小时等于多少分钟？", "分钟", 60),
    ("How many meters are in {n} kilometers?", "meters", "{n}公里等于多少米？", "米", 1000),
    ("How many seconds are in {n} minutes?", "seconds", "{n}分钟等于多少秒？", "秒", 60),
]


class Ids:
    def __init__(self, tree_id):
        self.tree_id, self.count = tree_id, 0

    def next(self):
        self.count += 1
        return f"{self.tree_id}-m{self.count}"


def node(ids, role, text, lang, rank=None, deleted=False, synthetic=False, review=True, replies=()):
    return {"message_id": ids.next(), "text": text, "role": role, "lang": lang, "review_count": 3,
            "review_result": review, "deleted": deleted, "synthetic": synthetic, "rank": rank,
            "replies": list(replies)}


def question(rng, kind, lang):
    """(question, best answer text, alternative correct answer text, wrong answer text, short answer)."""
    if kind == "add":
        a, b = rng.randint(2, 60), rng.randint(2, 60)
        right, wrong = a + b, a + b + rng.choice([-3, -1, 1, 2, 10])
        if lang == "en":
            return f"What is {a} + {b}?", f"{a} + {b} = {right}.", f"The answer is {right}.", f"{a} + {b} = {wrong}.", str(right)
        return f"{a} 加 {b} 等于多少？", f"{a} 加 {b} 等于 {right}。", f"答案是 {right}。", f"{a} 加 {b} 等于 {wrong}。", str(right)
    if kind == "mul":
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        right, wrong = a * b, a * b + rng.choice([-2, 1, 3, a])
        if lang == "en":
            return f"What is {a} times {b}?", f"{a} times {b} is {right}.", f"The answer is {right}.", f"{a} times {b} is {wrong}.", str(right)
        return f"{a} 乘以 {b} 等于多少？", f"{a} 乘以 {b} 等于 {right}。", f"答案是 {right}。", f"{a} 乘以 {b} 等于 {wrong}。", str(right)
    if kind == "unit":
        en, en_unit, zh, zh_unit, factor = rng.choice(UNITS)
        n = rng.randint(2, 9)
        right, wrong = n * factor, n * factor + factor // 2
        if lang == "en":
            return en.format(n=n), f"{right} {en_unit}.", f"There are {right} {en_unit}.", f"{wrong} {en_unit}.", str(right)
        return zh.format(n=n), f"{right}{zh_unit}。", f"等于{right}{zh_unit}。", f"{wrong}{zh_unit}。", str(right)
    if kind == "capital":
        country, city, zh_country, zh_city = rng.choice(CAPITALS)
        other = rng.choice([c for c in CAPITALS if c[0] != country])
        if lang == "en":
            return (f"What is the capital of {country}?", f"The capital of {country} is {city}.", f"{city}.",
                    f"The capital of {country} is {other[1]}.", city)
        return f"{zh_country}的首都是哪里？", f"{zh_country}的首都是{zh_city}。", f"{zh_city}。", f"{zh_country}的首都是{other[3]}。", zh_city
    en_q, en_a, zh_q, zh_a = rng.choice(FACTS)
    if lang == "en":
        return en_q, f"{en_a[0].upper()}{en_a[1:]}.", f"The answer is {en_a}.", "I am not sure, maybe 5.", en_a
    return zh_q, f"{zh_a}。", f"答案是{zh_a}。", "我不确定，也许是5。", zh_a


def tree(rng, index, split):
    tree_id = f"{split[:1]}{index:04d}"
    ids = Ids(tree_id)
    lang = "en" if rng.random() < 0.6 else "zh"
    kind = rng.choice(["add", "add", "mul", "unit", "capital", "capital", "fact"])
    q, best, alt, wrong, short = question(rng, kind, lang)
    replies = [node(ids, "assistant", best, lang, rank=0)]
    if split == "train":
        shape = rng.random()
        if shape < 0.35:
            replies.append(node(ids, "assistant", alt, lang, rank=1))
            replies.append(node(ids, "assistant", wrong, lang, rank=2))
        elif shape < 0.5:
            replies.append(node(ids, "assistant", wrong, lang, rank=1, deleted=True))
        elif shape < 0.6:
            replies.append(node(ids, "assistant", wrong, lang, rank=1, synthetic=True))
        elif shape < 0.75:
            q2, best2, _, wrong2, _ = question(rng, kind, lang)
            follow = node(ids, "prompter", q2, lang, replies=[node(ids, "assistant", best2, lang, rank=0),
                                                              node(ids, "assistant", wrong2, lang, rank=3)])
            replies[0]["replies"].append(follow)
        elif shape < 0.85:
            # Unanswered follow-ups: the thread is kept once, cut back to the assistant answer.
            replies[0]["replies"].append(node(ids, "prompter", "Thanks!" if lang == "en" else "谢谢！", lang))
            replies[0]["replies"].append(node(ids, "prompter", "Are you sure?" if lang == "en" else "你确定吗？", lang))
    state, review = "ready_for_export", True
    if split == "train":
        roll = rng.random()
        if roll < 0.06:
            state = rng.choice(["growing", "aborted_low_grade", "prompt_lottery_waiting"])
            replies[0]["text"] = wrong  # never exported: its wrong answer must not be learned
        elif roll < 0.09:
            review = False
            replies[0]["text"] = wrong
    prompt = node(ids, "prompter", q, lang, review=review, replies=replies)
    return {"message_tree_id": tree_id, "tree_state": state, "prompt": prompt}, (q, short, lang)


def main():
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    answers = []
    for split, count in (("train", 600), ("validation", 60)):
        lines = []
        for i in range(count):
            record, (q, short, lang) = tree(rng, i, split)
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            if split == "validation":
                answers.append({"message_tree_id": record["message_tree_id"], "lang": lang, "question": q, "answer": short})
        (OUT / f"{split}.trees.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "validation.answers.json").write_text(
        json.dumps(answers, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
