"""A SYNTHETIC corpus of Korean phone-call transcripts: voice-phishing scams versus ordinary calls.

Everything this module writes is made up on the spot by templates and random choices; it is not real
speech, not real transcripts and not real people, and a model trained on it only shows that the
pipeline works end to end. For a real detector, point the same commands at your own transcripts.

What a user gets: :func:`generate` returns ``(text, label)`` pairs with label ``"scam"`` or
``"normal"``; :func:`write_corpus` writes ``train.csv``, ``val.csv`` and ``test.csv`` (columns ``text``,
``label``, ``source``; the source column says ``synthetic``). The scams follow the patterns that
Korean public-awareness material describes (a caller posing as a prosecutor, the police or the
Financial Supervisory Service; low-interest loan offers that ask for a fee; a child asking for gift
cards from a new phone; a fake overseas-payment alert that asks to install a remote-control app).
Ordinary calls deliberately use the same words — banks, cards, police, parcels, money — so that no
single keyword decides the label (a real bank's fraud alert talks about suspicious transfers too; a
"parcel driver" may be a phisher). Speech-to-text style noise is added: dropped or extra spaces,
fillers (어, 음, 저기), stutters, spelling as pronounced (입니다 → 임니다), numbers spoken as words or
digits, no punctuation.

Write it with ``rnnkit data scam --out DIR [--train N --val N --test N --seed S]``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

from rnnkit.data.folders import new_folder

__all__ = ["LABELS", "generate", "write_corpus"]

LABELS = ("normal", "scam")

SURNAMES = "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 홍".split()
GIVEN = ("민준 서연 지훈 수빈 현우 지민 예준 하은 도윤 서윤 준호 미경 영희 철수 성민 은정 태현 "
         "유진 정훈 혜진 동현 소영 재원 나연 승우 미란 광수 경숙").split()
TITLES_PROSECUTOR = ["수사관", "검사", "계장", "사무관"]
TITLES_OFFICE = ["과장", "대리", "팀장", "주임", "실장"]
PROSECUTORS = ["서울중앙지검", "서울중앙지방검찰청", "대검찰청", "수원지검", "부산지검", "인천지방검찰청"]
POLICE = ["경찰청 사이버수사대", "서울지방경찰청", "강남경찰서", "마포경찰서", "사이버범죄수사대"]
FINANCE = ["금융감독원", "금감원", "금융위원회", "예금보험공사"]
BANKS = ["국민은행", "신한은행", "우리은행", "하나은행", "농협", "기업은행", "카카오뱅크", "새마을금고", "우체국"]
CARDS = ["삼성카드", "현대카드", "롯데카드", "신한카드", "국민카드", "비씨카드"]
COURIERS = ["CJ대한통운", "한진택배", "우체국택배", "롯데택배", "로젠택배", "쿠팡"]
HOSPITALS = ["서울내과", "연세치과", "우리들병원", "튼튼정형외과", "밝은안과", "행복소아과", "365의원"]
SHOPS = ["이마트", "홈플러스", "다이소", "하이마트", "올리브영", "동네 꽃집", "세탁소"]
RESTAURANTS = ["한우마을", "명동칼국수", "바다횟집", "황금돼지", "소문난 순대국", "이탈리안 키친"]
INSURERS = ["삼성화재", "현대해상", "DB손해보험", "KB손해보험", "한화생명", "교보생명"]
CRIMES = ["대포통장", "금융사기", "자금세탁", "개인정보 유출", "불법 도박", "명의도용"]
APPS = ["팀뷰어", "원격지원 앱", "보안 앱", "금감원 보안 프로그램", "정부 지원 앱"]
PLACES = ["강남역", "시청", "집 앞", "회사 근처", "학교 앞", "홍대입구", "터미널"]
FOODS = ["삼겹살", "치킨", "김치찌개", "짜장면", "초밥", "떡볶이", "국밥"]
DAYS = ["오늘", "내일", "모레", "이번 주 금요일", "다음 주 월요일", "토요일", "일요일"]
TIMES = ["오전 열 시", "오후 두 시", "오후 세 시 반", "저녁 일곱 시", "아침 아홉 시", "열한 시", "오후 네 시"]
KIN = ["엄마", "아빠", "어머니", "아버지", "이모", "삼촌"]

_DIGITS = "영 일 이 삼 사 오 육 칠 팔 구".split()


def _korean_number(n: int) -> str:
    """``n`` (< 1e8) in Sino-Korean words, as a speech recogniser might write it (3500 → 삼천오백)."""
    if n == 0:
        return "영"
    parts = []
    man, rest = divmod(n, 10000)
    for value, unit in ((man, "만"), (rest, "")):
        if not value:
            continue
        words = ""
        for digit, name in zip(f"{value:04d}", ("천", "백", "십", ""), strict=True):
            d = int(digit)
            if d:
                words += ("" if d == 1 and name else _DIGITS[d]) + name
        parts.append(("" if value == 1 and unit else words) + unit)
    return "".join(parts)


def _amount(rng: random.Random, low: int, high: int) -> str:
    """A sum in won between low and high ten-thousands, written as a transcript might."""
    man = rng.randint(low, high)
    if man >= 100:
        man = man // 10 * 10
    style = rng.random()
    if style < 0.4:
        return f"{_korean_number(man)}만 원"
    if style < 0.7:
        return f"{man:,}만원"
    if style < 0.85:
        return f"{man * 10000:,}원"
    return f"{man}만 원"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"010 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def _slots(rng: random.Random) -> dict[str, str]:
    """One call's cast: the same names, institutions and amounts in every sentence of the call."""
    return {
        "name": _name(rng),
        "name2": _name(rng),
        "surname": rng.choice(SURNAMES),
        "ptitle": rng.choice(TITLES_PROSECUTOR),
        "otitle": rng.choice(TITLES_OFFICE),
        "prosecutor": rng.choice(PROSECUTORS),
        "police": rng.choice(POLICE),
        "finance": rng.choice(FINANCE),
        "bank": rng.choice(BANKS),
        "bank2": rng.choice(BANKS),
        "card": rng.choice(CARDS),
        "courier": rng.choice(COURIERS),
        "hospital": rng.choice(HOSPITALS),
        "shop": rng.choice(SHOPS),
        "restaurant": rng.choice(RESTAURANTS),
        "insurer": rng.choice(INSURERS),
        "crime": rng.choice(CRIMES),
        "app": rng.choice(APPS),
        "place": rng.choice(PLACES),
        "food": rng.choice(FOODS),
        "day": rng.choice(DAYS),
        "time": rng.choice(TIMES),
        "kin": rng.choice(KIN),
        "phone": _phone(rng),
        "big": _amount(rng, 300, 9000),
        "mid": _amount(rng, 30, 900),
        "small": _amount(rng, 1, 50),
        "people": rng.choice(["두", "세", "네", "다섯", "여섯", "일곱", "여덟"]),
        "count": str(rng.randint(2, 30)),
    }


# Each kind of call is a list of stages; each stage is a list of alternative sentences. A call takes
# one sentence from every stage (an optional stage starts with None).
SCAM_CALLS: list[list[list[str | None]]] = [
    [  # posing as a prosecutor
        ["여보세요 {prosecutor} {name} {ptitle}입니다",
         "안녕하십니까 {prosecutor} 첨단범죄수사팀 {name} {ptitle}입니다",
         "{prosecutor}에서 연락드렸습니다 저는 {name} {ptitle}이고요"],
        ["본인 명의로 된 {bank} 계좌가 {crime} 사건에 연루되어 연락드렸습니다",
         "{name2}이라는 사람을 검거했는데 본인 명의 통장이 발견됐습니다",
         "고객님 명의가 {crime}에 도용된 정황이 확인되었습니다"],
        ["지금 통화 내용은 녹음되고 있으니 주변에 알리시면 안 됩니다",
         "수사 중인 사안이라 가족에게도 말씀하시면 안 됩니다",
         None, "지금 조용한 곳으로 이동해 주시겠습니까"],
        ["피해자임을 입증하려면 자산을 안전계좌로 옮기셔야 합니다",
         "예금 {big}을 저희가 지정하는 국가 안전계좌로 이체하시면 조사 후 돌려드립니다",
         "계좌에 있는 돈을 전부 현금으로 찾아서 저희 직원에게 전달해 주세요"],
        ["지금 바로 진행하지 않으면 구속 영장이 청구될 수 있습니다", "오늘 안에 처리하셔야 합니다",
         "협조하지 않으시면 공범으로 처벌받을 수 있습니다", None],
    ],
    [  # posing as the Financial Supervisory Service
        ["{finance} {name} {otitle}입니다", "안녕하세요 {finance} 소비자보호팀입니다",
         "여기 {finance}인데요 본인 확인 좀 하겠습니다"],
        ["고객님 계좌에서 이상 거래가 감지되어 보호 조치가 필요합니다",
         "고객님 명의로 {bank}에서 대출 {big}이 신청되었습니다 본인이 하신 거 맞습니까",
         "개인정보가 유출되어 예금이 위험한 상황입니다"],
        ["보안 강화를 위해 {app}을 설치해 주셔야 합니다", "계좌 비밀번호와 보안카드 번호를 불러 주세요",
         "문자로 보내드린 링크를 눌러서 본인 인증을 해 주세요"],
        ["예금을 보호 계좌로 옮겨 두시면 안전합니다", "잔액 {big}을 전액 인출해서 보관하셔야 합니다", None],
        ["이 건은 은행 직원에게도 말씀하시면 안 됩니다", "은행에서 물어보면 그냥 개인 용도라고 하세요", None],
    ],
    [  # low-interest loan bait
        ["안녕하세요 {bank} 대출 상담팀 {name} {otitle}입니다", "고객님 {bank2} 정부지원 서민 대출 안내드립니다",
         "{bank} 저금리 대환대출 담당자입니다"],
        ["연 이 퍼센트대 저금리로 {big}까지 대출 가능하십니다",
         "기존 고금리 대출을 저금리로 바꿔 드리는 정부 지원 상품입니다", "신용등급 상관없이 당일 승인 가능합니다"],
        ["다만 신용도를 올리려면 먼저 {mid}을 입금하셔야 합니다",
         "기존 대출 상환금 {mid}을 저희 직원 계좌로 보내 주세요",
         "보증보험료 {small}을 선납해 주셔야 승인이 납니다", "전산 작업비 {small}을 먼저 보내 주시면 처리됩니다"],
        ["이 번호로 문자 보내드리는 앱을 깔아 주세요", "오늘 마감이라 지금 바로 하셔야 합니다", None],
    ],
    [  # a child or relative with a "broken phone"
        ["{kin} 나야 폰 액정 깨져서 친구 폰으로 전화했어", "{kin} 나 휴대폰 고장 나서 임시폰이야",
         "여보세요 {kin} 나 지금 급한 일이 생겼어"],
        ["지금 문화상품권 좀 사서 사진 찍어 보내 줄 수 있어", "급하게 {mid}만 이 계좌로 보내 줘",
         "{kin} 신분증 사진이랑 카드 번호 좀 보내 줘 보험금 신청해야 돼", "구글 기프트카드 {small}어치만 사 줘"],
        ["나중에 설명할게 지금 통화가 힘들어", "이따가 갚을게 진짜 급해", "아빠한테는 말하지 마"],
        ["이 링크 눌러서 앱 하나만 깔아 줘", "편의점 가서 바로 사면 돼", None],
    ],
    [  # fake payment alert / remote app
        ["{courier} 고객센터입니다 해외 결제 건으로 연락드렸습니다", "{card} 결제 확인 전화입니다",
         "고객님 {card}로 해외 직구 {mid}이 결제 승인되었습니다"],
        ["본인이 결제하신 게 아니면 지금 바로 취소하셔야 합니다", "명의도용이 의심되어 경찰에 신고 접수해 드리겠습니다",
         "결제 취소하려면 본인 확인이 필요합니다"],
        ["문자로 보내드린 주소에서 {app}을 설치해 주세요", "화면에 뜨는 인증번호 여섯 자리를 불러 주세요",
         "카드 번호 열여섯 자리와 비밀번호 앞 두 자리를 말씀해 주세요"],
        ["곧 {police}에서 전화가 갈 겁니다", "담당 검사님을 연결해 드리겠습니다", None],
    ],
    [  # a parcel call that turns into a phishing link
        ["안녕하세요 {courier} 기사입니다", "{courier}인데요 택배 때문에 전화드렸습니다"],
        ["주소가 잘못 입력되어 배송이 보류되었습니다", "통관 절차 때문에 물건이 세관에 묶여 있습니다"],
        ["문자로 보내드린 링크에서 주소를 수정해 주세요", "관세 {small}을 이 계좌로 먼저 내 주셔야 합니다",
         "링크 눌러서 본인 인증하시고 앱 설치해 주세요"],
        ["오늘 안에 안 하시면 반송됩니다", None],
    ],
    [  # kidnapping threat
        ["당신 아들 지금 우리가 데리고 있어", "{kin} 살려 줘 나 지금 잡혀 있어", "딸이 사고를 쳐서 우리가 데리고 있다"],
        ["경찰에 신고하면 가만 안 둔다", "전화 끊지 말고 내 말 잘 들어"],
        ["지금 당장 {big} 준비해", "{mid} 이 계좌로 보내면 풀어 준다", "현금 {big} 들고 {place}로 나와"],
    ],
]

NORMAL_CALLS: list[list[list[str | None]]] = [
    [  # parcel delivery
        ["안녕하세요 {courier} 기사입니다", "{courier}인데요 택배 왔습니다", "여보세요 택배 기사님이시죠"],
        ["{day} {time}쯤 도착 예정인데 댁에 계세요", "지금 문 앞에 왔는데 안 계셔서 전화드렸어요",
         "경비실에 맡겨 드릴까요"],
        ["네 문 앞에 두고 가시면 돼요", "그럼 경비실에 맡겨 주세요", "제가 지금 밖이라 이따 받을게요"],
        ["네 감사합니다 수고하세요", "알겠습니다 사진 찍어서 문자 드릴게요", None],
    ],
    [  # the customer calls their bank
        ["네 {bank} 고객센터 {name}입니다 무엇을 도와드릴까요", "{bank}입니다 상담원 {name}입니다"],
        ["카드를 잃어버려서 분실 신고하려고요", "지난달 이체 내역 확인하고 싶어서요", "적금 만기가 언제인지 궁금해서요",
         "대출 이자가 얼마 나왔는지 알고 싶어요"],
        ["네 본인 확인을 위해 생년월일 말씀해 주시겠어요", "확인되셨습니다 잠시만 기다려 주세요"],
        ["분실 신고 접수되었고 새 카드는 {day} 발송됩니다", "이번 달 이자는 {small}입니다",
         "만기는 {day}이고 가까운 지점에서 해지하실 수 있습니다", "앱에서도 조회하실 수 있습니다"],
        ["더 궁금하신 점 있으세요 감사합니다", "네 좋은 하루 되세요"],
    ],
    [  # clinic appointment
        ["안녕하세요 {hospital}입니다", "여기 {hospital}인데요 {name}님 맞으시죠"],
        ["{day} {time} 진료 예약 확인차 연락드렸습니다", "검사 결과 나와서 연락드렸어요",
         "예약하신 시간 변경 가능하신지 여쭤보려고요"],
        ["네 그 시간에 갈게요", "혹시 한 시간 늦게 가도 될까요", "결과는 괜찮게 나왔나요"],
        ["네 신분증 꼭 지참해 주세요", "진료비는 {small} 정도 나올 거예요", "네 크게 걱정하실 건 없어요", None],
    ],
    [  # friends making plans
        ["야 {name} 뭐 해", "여보세요 {name}아 나야", "응 {name} 웬일이야"],
        ["{day} 시간 돼 {food} 먹으러 가자", "이번 주말에 {place}에서 보자", "다음 달 동창회 하는 거 들었어"],
        ["좋아 몇 시에 볼까", "나 {day}는 안 되고 그다음 날 돼", "회비는 {small}씩 걷는대"],
        ["그럼 {time}에 {place}에서 보자", "알았어 이따 카톡 할게", "{restaurant} 예약해 둘게"],
    ],
    [  # work
        ["{name} {otitle}님 저 {surname} {otitle}입니다", "네 {name}입니다 말씀하세요"],
        ["내일 회의 자료 메일로 보내 드렸습니다", "거래처에서 견적서 {big} 금액으로 왔습니다",
         "이번 달 법인카드 사용 내역 정리 부탁드립니다"],
        ["확인하고 {time}까지 회신드릴게요", "네 팀장님께 보고하겠습니다", "수정할 부분 있으면 알려 주세요"],
        ["네 수고하세요", "그럼 회의 때 뵙겠습니다", None],
    ],
    [  # a family member, no money involved
        ["{kin} 나야", "응 {kin} 왜", "{kin} 저 {name}이에요"],
        ["오늘 좀 늦을 것 같아 저녁 먹고 들어갈게", "주말에 집에 내려갈게요", "김장 언제 해요 도와드릴게요",
         "병원 다녀오셨어요 괜찮으세요"],
        ["알았어 조심히 들어와", "그래 기차표 예매했니", "반찬 좀 싸 놨으니까 가져가라"],
        ["응 이따 전화할게", "네 들어가세요", None],
    ],
    [  # a real police or lost-and-found call
        ["여기 {police} 민원실입니다", "{police} 분실물 담당입니다 {name}님 되시죠"],
        ["분실하신 지갑이 접수되어 연락드렸습니다", "지난주 접수하신 교통사고 건 처리 결과 안내드리려고요",
         "신고하신 자전거 도난 건 관련해서요"],
        ["신분증 지참하시고 경찰서로 직접 방문해 주세요", "전화로는 개인정보를 묻지 않습니다 방문하셔서 확인하세요",
         "서류는 민원실에서 받아 가시면 됩니다"],
        ["평일 {time}까지 운영합니다", "네 감사합니다", None],
    ],
    [  # insurance and card companies, legitimately
        ["안녕하세요 {insurer} 고객센터입니다", "{card} 고객센터입니다 {name} 고객님 맞으십니까"],
        ["자동차 보험 만기가 {day}라서 안내드립니다", "이번 달 결제 금액은 {mid}입니다",
         "요청하신 한도 조정이 완료되었습니다"],
        ["자세한 내용은 홈페이지나 가까운 지점에서 확인하실 수 있습니다", "앱에서 직접 갱신하실 수 있습니다",
         "저희는 전화로 비밀번호를 묻지 않습니다"],
        ["감사합니다 좋은 하루 보내세요", None],
    ],
    [  # a real fraud alert from the bank: same words as the scams, but no request
        ["{bank} 이상거래 탐지팀입니다 {name} 고객님 되시죠", "안녕하세요 {card} 부정사용 방지팀입니다"],
        ["고객님 계좌에서 평소와 다른 이체 {mid}이 확인되어 연락드렸습니다",
         "해외에서 카드 결제 시도가 있어서 일단 승인을 막아 두었습니다"],
        ["본인이 하신 거래가 맞으신가요", "혹시 최근에 해외 사이트를 이용하신 적 있으세요"],
        ["아니시면 앱에서 직접 정지하시거나 지점을 방문해 주세요", "저희는 비밀번호나 인증번호를 절대 묻지 않습니다",
         "공식 대표번호로 다시 전화 주셔도 됩니다"],
    ],
    [  # shop or restaurant
        ["네 {restaurant}입니다", "{shop}입니다 주문하신 물건 때문에 연락드렸어요"],
        ["{day} {time}에 {people} 명 예약 가능할까요", "주문하신 상품 입고되었습니다", "수선 맡기신 옷 다 됐어요"],
        ["네 가능합니다 성함이 어떻게 되세요", "{day}까지 찾아가시면 돼요", "계산은 오셔서 카드로 하시면 됩니다"],
        ["네 {name}으로 예약해 주세요", "알겠습니다 감사합니다", None],
    ],
]

# Spelling as pronounced: what a speech recogniser often writes instead of the standard spelling.
_PRONOUNCED = [
    ("입니다", "임니다"), ("습니다", "슴니다"), ("했습니다", "햇습니다"), ("계좌", "게좌"), ("은행", "으냉"),
    ("있어", "이써"), ("같아요", "가타요"), ("돼요", "되요"), ("예약", "에약"), ("의", "에"),
    ("괜찮", "괜찬"), ("없이", "업시"), ("그럼", "그럼요"), ("알겠습니다", "알겟습니다"), ("해 주세요", "해주세요"),
    ("네", "예"), ("연락", "열락"), ("확인", "화긴"), ("결제", "결재"),
]
_FILLERS = ["어", "음", "저기", "그", "아", "네", "어어", "그러니까"]


def _noise(rng: random.Random, text: str, level: float) -> str:
    """Speech-to-text style corruption of ``text``; ``level`` 0 leaves it unchanged."""
    for standard, spoken in _PRONOUNCED:
        if standard in text and rng.random() < level * 0.5:
            text = text.replace(standard, spoken, 1)
    words = text.split()
    out: list[str] = []
    for w in words:
        r = rng.random()
        if r < level * 0.08:
            out.append(rng.choice(_FILLERS))
        elif r < level * 0.12:
            out.append(w)  # stutter: the word twice
        if rng.random() < level * 0.02 and len(w) > 1:
            continue  # a word lost
        out.append(w)
    text = " "
    for w in out:
        gap = rng.random()
        if gap < level * 0.15:
            text += w  # space dropped
        elif gap < level * 0.18 and len(w) > 2:
            cut = rng.randint(1, len(w) - 1)
            text += " " + w[:cut] + " " + w[cut:]  # space inserted
        else:
            text += " " + w
    return text.strip()


def _call(rng: random.Random, stages: Sequence[Sequence[str | None]]) -> str:
    slots = _slots(rng)
    sentences = []
    for stage in stages:
        choice = rng.choice(list(stage))
        if choice is not None:
            sentences.append(choice.format(**slots))
    return " ".join(sentences)


def generate(n: int, seed: int = 0, scam_fraction: float = 0.5, noise: float = 1.0) -> list[tuple[str, str]]:
    """``n`` synthetic transcripts with labels ``"scam"``/``"normal"``, shuffled, reproducible by ``seed``."""
    rng = random.Random(seed)
    n_scam = round(n * scam_fraction)
    rows = []
    for i in range(n):
        label = "scam" if i < n_scam else "normal"
        kinds = SCAM_CALLS if label == "scam" else NORMAL_CALLS
        text = _call(rng, rng.choice(kinds))
        text = _noise(rng, text, noise * rng.uniform(0.3, 1.0))
        rows.append((text, label))
    rng.shuffle(rows)
    return rows


def write_corpus(
    out_dir: str | Path, n_train: int = 2000, n_val: int = 300, n_test: int = 500, seed: int = 0
) -> list[Path]:
    """Write ``train.csv``, ``val.csv`` and ``test.csv`` under ``out_dir`` (different seeds per split), a new or
    empty folder, whole or not at all (:func:`rnnkit.data.folders.new_folder`)."""
    splits = (("train", n_train), ("val", n_val), ("test", n_test))
    with new_folder(out_dir) as tmp:
        for offset, (name, n) in enumerate(splits):
            with open(tmp / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(["text", "label", "source"])
                for text, label in generate(n, seed=seed * 1000 + offset):
                    writer.writerow([text, label, "synthetic"])
    return [Path(out_dir) / f"{name}.csv" for name, _ in splits]
