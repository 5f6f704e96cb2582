"""Builds subject_pairs.csv: labelled pairs of subject records (same person or not) for
measuring the matcher. Seeded, so the file is reproducible; rerun after changing the lists:

    .venv/bin/python tests/data/build_subject_pairs.py

The kinds mirror what partners actually send: spelling variants and transliterations,
nicknames, typos, swapped names, missing or mistyped birth dates; and the hard negatives:
twins, namesakes with other birth dates, relatives, similar names on the same day.

The `held_out_*` kinds use only names that are NOT in services/referrals/name_variants.yaml
(the builder refuses to write the file otherwise), so they measure the matcher on names it
was not told about: real spelling variants, transliterations and nicknames, and twins with
rhyming names. Never add them to the table: they would stop measuring anything.
"""
import csv
import random
from datetime import date, timedelta
from pathlib import Path

rng = random.Random(20261124)

GIVEN = ["Jamal", "Aisha", "Mohammed", "Zoë", "Liam", "Seán", "Oluwaseun", "Priya", "Kwame",
         "Chloé", "Wei", "Fatima", "Daniel", "Hannah", "Tyrone", "Siobhan", "Mehmet",
         "Natalia", "Ibrahim", "Jessica", "Marcus", "Amara", "Krzysztof", "Leah", "Kofi",
         "Yusuf", "Bethany", "Dmitri", "Grace", "Abdullah", "Rhys", "Ngozi", "Tomasz",
         "Imani", "Connor", "Shanice", "Reuben", "Ayesha", "Callum", "Esther"]
FAMILY = ["Okafor", "O'Neil", "Nguyễn", "Kowalska", "Da Silva", "Smith-Jones", "Müller",
          "Ahmedov", "Chen", "Mahmoud", "Ó Briain", "Patel", "Adeyemi", "Hussain", "Walker",
          "Campbell", "Yilmaz", "Mensah", "Fitzgerald", "Osei", "Begum", "Novak", "Ivanova",
          "Johnson", "Okonkwo", "Rahman", "Kaczmarek", "Brown", "Achterberg", "Boateng",
          "Demir", "Lewandowski", "Thompson", "Abubakar", "Henriques", "Mwangi", "Clarke",
          "Papadopoulos", "Kaur", "Oyelaran"]
VARIANTS = [("Mohammed", "Muhammad"), ("Mohamed", "Mohammad"), ("Muhammed", "Mohamud"),
            ("Yusuf", "Yousef"), ("Ibrahim", "Ebrahim"), ("Abdullah", "Abdallah"),
            ("Aisha", "Ayesha"), ("Fatima", "Fatimah"), ("Hussein", "Hussain"),
            ("Sean", "Shaun"), ("Stephen", "Steven"), ("Catherine", "Katherine"),
            ("Sarah", "Sara"), ("Sophia", "Sofia"), ("Aleksandr", "Alexander"),
            ("Dmitri", "Dmitry"), ("Natalia", "Natalya"), ("Zoe", "Zoey"), ("Hannah", "Hanna"),
            ("Mehmet", "Mehmed"), ("Siobhan", "Shivaun"), ("Niamh", "Neve"),
            ("Maria", "Mariya"), ("Yuri", "Yury"), ("Hassan", "Hasan")]
NICKNAMES = [("William", "Bill"), ("Robert", "Bob"), ("Richard", "Rick"), ("James", "Jimmy"),
             ("Michael", "Mike"), ("Thomas", "Tom"), ("Joseph", "Joe"), ("Daniel", "Danny"),
             ("Christopher", "Chris"), ("Anthony", "Tony"), ("Edward", "Eddie"),
             ("Alexander", "Alex"), ("Nicholas", "Nick"), ("Samuel", "Sam"),
             ("Benjamin", "Ben"), ("Matthew", "Matt"), ("Elizabeth", "Liz"),
             ("Margaret", "Maggie"), ("Jennifer", "Jenny"), ("Rebecca", "Becky"),
             ("Victoria", "Vicky"), ("Jessica", "Jess"), ("Oluwaseun", "Seun"),
             ("Olusegun", "Segun"), ("Chukwuemeka", "Emeka"), ("Oluwatobi", "Tobi"),
             ("Patrick", "Paddy"), ("Andrew", "Andy"), ("Katherine", "Katie"),
             ("Samantha", "Sammy")]
CROSS_SCRIPT = [("Мария", "Иванова", "Mariya", "Ivanova"), ("Дмитрий", "Петров", "Dmitriy", "Petrov"),
                ("Олег", "Смирнов", "Oleg", "Smirnov"), ("Анна", "Кузнецова", "Anna", "Kuznetsova"),
                ("Ελένη", "Παπαδοπούλου", "Eleni", "Papadopoulou"),
                ("Γιώργος", "Νικολάου", "Giorgos", "Nikolaou"),
                ("Nguyễn", "Thị Lan", "Nguyen", "Thi Lan"), ("Zoë", "Brontë", "Zoe", "Bronte"),
                ("José", "Muñoz", "Jose", "Munoz"), ("Łukasz", "Wałęsa", "Lukasz", "Walesa")]
TWINS = [("Daniel", "Danielle"), ("Hassan", "Hussein"), ("Jon", "Joan"), ("Mark", "Mary"),
         ("Ann", "Anna"), ("Louis", "Louise"), ("Adam", "Adan"), ("Amir", "Amira"),
         ("Olu", "Ola"), ("Eric", "Erica"), ("Chris", "Christina"), ("Kai", "Kaia"),
         ("Ryan", "Rhian"), ("Leon", "Leona"), ("Jamal", "Jamila"), ("Paul", "Paula"),
         ("Ali", "Alia"), ("Joel", "Joelle"), ("Noel", "Noelle"), ("Tariq", "Tahir"),
         ("Kareem", "Karima"), ("Aidan", "Ava"), ("Nadia", "Nadine"), ("Sami", "Samir"),
         ("Jayden", "Jada"), ("Femi", "Femi-Ola"), ("Jude", "Judith"), ("Max", "Maxine"),
         ("Bola", "Bolu"), ("Ade", "Ada")]

# Held out: no name below may be in name_variants.yaml (checked in held_out_names_clash).
HELD_OUT_VARIANTS = [
    ("Mustafa", "Mustapha"), ("Omar", "Umar"), ("Khalid", "Khaled"), ("Mahmoud", "Mahmud"),
    ("Hamza", "Hamzah"), ("Yasmin", "Yasmine"), ("Zainab", "Zaynab"), ("Mariam", "Maryam"),
    ("Khadija", "Khadijah"), ("Amina", "Aminah"), ("Osama", "Usama"), ("Nasser", "Nasir"),
    ("Caitlin", "Kaitlyn"), ("Ciaran", "Kieran"), ("Eoin", "Owen"), ("Cian", "Kian"),
    ("Roisin", "Rosheen"), ("Sinead", "Shinead"), ("Dylan", "Dillon"), ("Jaden", "Jaiden"),
    ("Geoffrey", "Jeffrey"), ("Phillip", "Philip"), ("Isabel", "Isobel"),
    ("Jasmine", "Jazmin"), ("Ruairi", "Rory"), ("Aoife", "Eefa"), ("Saoirse", "Seersha"),
    ("Shannon", "Shanon"), ("Jürgen", "Juergen"), ("Tatiana", "Tatyana"),
    ("Sergei", "Sergey"), ("Andrei", "Andrey"), ("Alexei", "Aleksey"),
    ("Yevgeny", "Evgeny"), ("Mikhail", "Michail"), ("Svetlana", "Swetlana")]
HELD_OUT_NICKNAMES = [
    ("Frederick", "Fred"), ("Charles", "Charlie"), ("Henry", "Harry"), ("Lawrence", "Larry"),
    ("Timothy", "Tim"), ("Gregory", "Greg"), ("Jacob", "Jake"), ("Nathaniel", "Nate"),
    ("Zachary", "Zach"), ("Abigail", "Abby"), ("Deborah", "Debbie"), ("Susan", "Sue"),
    ("Theodore", "Theo"), ("Dominic", "Dom"), ("Babatunde", "Tunde"), ("Adebayo", "Bayo"),
    ("Temitope", "Tope"), ("Oluwakemi", "Kemi"), ("Chinonso", "Nonso"),
    ("Oluwafemi", "Femi"), ("Katarzyna", "Kasia"), ("Małgorzata", "Gosia"),
    ("Francisco", "Paco"), ("Kenneth", "Ken"), ("Raymond", "Ray"), ("Josephine", "Josie")]
HELD_OUT_OTHER_SCRIPT = [("Сергей", "Sergey"), ("Алексей", "Aleksey"), ("Михаил", "Mikhail"),
                         ("Татьяна", "Tatyana"), ("Αλέξανδρος", "Alexandros"),
                         ("Δημήτρης", "Dimitris"), ("Юлия", "Yulia"), ("Ксения", "Kseniya")]
HELD_OUT_TWINS = [  # different people: twins whose names rhyme or differ by one letter
    ("Jason", "Mason"), ("Kayla", "Layla"), ("Carly", "Carla"), ("Darren", "Warren"),
    ("Harley", "Hayley"), ("Lacey", "Macey"), ("Ronan", "Rowan"), ("Dario", "Daria"),
    ("Kamil", "Kamila"), ("Rashid", "Rashida"), ("Adrian", "Adriana"), ("Marcel", "Marcela"),
    ("Tyler", "Tyson"), ("Kacper", "Jasper"), ("Logan", "Lorna"), ("Brandon", "Brendan"),
    ("Ethan", "Evan"), ("Casey", "Lacey"), ("Marley", "Carley"), ("Tomas", "Tomasz")]


def held_out_names_clash():
    """Held-out names that are in the variants table (there must be none)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from services.referrals.matching import _variant_index, comparable

    table = _variant_index()
    held_out = HELD_OUT_VARIANTS + HELD_OUT_NICKNAMES + HELD_OUT_OTHER_SCRIPT + HELD_OUT_TWINS
    return sorted({name for pair in held_out for name in pair if comparable(name) in table})


def dob():
    return date(2000, 1, 1) + timedelta(days=rng.randint(0, 365 * 22))


def typo(name):
    letters = list(name)
    i = rng.randrange(1, len(letters) - 1)
    operation = rng.choice(["drop", "double", "swap", "replace"])
    if operation == "drop":
        del letters[i]
    elif operation == "double":
        letters.insert(i, letters[i])
    elif operation == "swap":
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    else:
        letters[i] = rng.choice("aeioulnrst")
    return "".join(letters)


def other_dob(birth):
    while True:
        candidate = dob()
        a, b = birth.strftime("%Y%m%d"), candidate.strftime("%Y%m%d")
        if sum(p != q for p, q in zip(a, b)) > 1 and candidate != birth:
            return candidate


def mistyped_dob(birth):
    if birth.day <= 12 and birth.day != birth.month:
        return birth.replace(month=birth.day, day=birth.month)
    if birth.day < 10:
        return birth.replace(day=birth.day % 9 + 1)  # one digit of the day
    return birth.replace(day=birth.day - 10 if birth.day > 10 else 20)


def pairs():
    rows = []

    def add(kind, same, a, b):
        rows.append({"kind": kind, "same_person": int(same),
                     "given_a": a[0], "family_a": a[1], "dob_a": a[2].isoformat() if a[2] else "",
                     "given_b": b[0], "family_b": b[1], "dob_b": b[2].isoformat() if b[2] else ""})

    for _ in range(25):  # the same name written differently
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        add("case_and_punctuation", 1, (g, f, d),
            (g.upper(), f.lower().replace("'", "").replace("-", " "), d))
    for g1, g2 in VARIANTS:
        f, d = rng.choice(FAMILY), dob()
        add("spelling_variant", 1, (g1, f, d), (g2, f, d))
    for g1, g2 in NICKNAMES:
        f, d = rng.choice(FAMILY), dob()
        add("nickname", 1, (g1, f, d), (g2, f, d))
    for _ in range(50):
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        if rng.random() < 0.5:
            add("typo", 1, (g, f, d), (typo(g) if len(g) > 3 else g, f, d))
        else:
            add("typo", 1, (g, f, d), (g, typo(f) if len(f) > 3 else f, d))
    for _ in range(30):
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        add("names_swapped", 1, (g, f, d), (f, g, d))
    for _ in range(30):
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        add("birth_date_missing", 1, (g, f, d), (g, f, None))
    for _ in range(20):
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        add("birth_date_mistyped", 1, (g, f, d), (g, f, mistyped_dob(d)))
    for g1, f1, g2, f2 in CROSS_SCRIPT:
        d = dob()
        add("other_script", 1, (g1, f1, d), (g2, f2, d))

    for _ in range(40):  # namesakes: same name, another birth date
        g, f, d = rng.choice(GIVEN), rng.choice(FAMILY), dob()
        add("namesake_other_birth_date", 0, (g, f, d), (g, f, other_dob(d)))
    for g1, g2 in TWINS:
        f, d = rng.choice(FAMILY), dob()
        add("twins", 0, (g1, f, d), (g2, f, d))
    for _ in range(25):  # relatives: same family and address, different people
        f = rng.choice(FAMILY)
        g1, g2 = rng.sample(GIVEN, 2)
        add("relatives", 0, (g1, f, dob()), (g2, f, dob()))
    for _ in range(25):  # same birthday, similar but different names
        d = dob()
        g = rng.choice(GIVEN)
        f1, f2 = rng.sample(FAMILY, 2)
        add("same_day_different_family", 0, (g, f1, d), (g, f2, d))
    for _ in range(30):
        d = dob()
        add("strangers_same_day", 0, (rng.choice(GIVEN), rng.choice(FAMILY), d),
            (rng.choice(GIVEN), rng.choice(FAMILY), d))
    for _ in range(20):
        add("strangers", 0, (rng.choice(GIVEN), rng.choice(FAMILY), dob()),
            (rng.choice(GIVEN), rng.choice(FAMILY), None))

    # Held out (after the rest, so the rows above stay as they were).
    for kind, same, names in (("held_out_spelling_variant", 1, HELD_OUT_VARIANTS),
                              ("held_out_nickname", 1, HELD_OUT_NICKNAMES),
                              ("held_out_other_script", 1, HELD_OUT_OTHER_SCRIPT),
                              ("held_out_twins", 0, HELD_OUT_TWINS)):
        for g1, g2 in names:
            f, d = rng.choice(FAMILY), dob()
            add(kind, same, (g1, f, d), (g2, f, d))
    return rows


if __name__ == "__main__":
    if clash := held_out_names_clash():
        raise SystemExit(f"held-out names found in name_variants.yaml: {', '.join(clash)}")
    out = Path(__file__).with_name("subject_pairs.csv")
    rows = pairs()
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} pairs, {sum(r['same_person'] for r in rows)} of the same person -> {out}")
