#!/usr/bin/python3
"""chartgen - synthetic scanned-chart page generator for chartmill fixtures.

Everything produced here is SYNTHETIC: hospitals, clinicians and patients are
fictional and all clinical prose was written for this generator.

Reusable pieces (used by scripts/make-samples and scripts/make-bad-fixtures,
and meant to be reused for benchmark corpora and classifier test scans):

  * PATIENTS, HOSPITALS, DOCTORS          - fictional reference data
  * make_document(doc_type, patient, rng) - build page *specs* (plain dicts)
  * render_page(spec)                     - spec -> PIL image ("L" or "RGB")
  * degradations                          - skew(), rot90(), rot180(),
                                            add_specks(), add_gaussian_noise(),
                                            add_salt_pepper(), to_bilevel()
  * writers                               - save_png(), save_jpeg(),
                                            save_tiff_pages(), save_tiff_g4(),
                                            write_tiff_gray16_deflate(),
                                            g4_encode(), PdfWriter,
                                            write_image_pdf(), write_text_pdf()
  * truth helpers                         - pick_expect_words(), truth_record()

Only Debian's python3 + python3-pil (Pillow >= 9.4) are required; no numpy.
Determinism: all randomness goes through random.Random instances passed in by
the caller; no timestamps are written to any file.
"""

import io
import json
import math
import os
import random
import re
import statistics
import struct
import zlib
from datetime import date

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

SYNTHETIC_LINE = "SYNTHETIC SAMPLE - FICTIONAL PATIENT"
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {
    ("sans", "regular"): "DejaVuSans.ttf",
    ("sans", "bold"): "DejaVuSans-Bold.ttf",
    ("serif", "regular"): "DejaVuSerif.ttf",
    ("serif", "bold"): "DejaVuSerif-Bold.ttf",
    ("mono", "regular"): "DejaVuSansMono.ttf",
    ("mono", "bold"): "DejaVuSansMono-Bold.ttf",
    ("condensed", "regular"): "DejaVuSansCondensed.ttf",
    ("condensed", "bold"): "DejaVuSansCondensed-Bold.ttf",
}

# Layout is computed on a 200 dpi US-letter grid and scaled at render time.
BASE_DPI = 200
LETTER_IN = (8.5, 11.0)
MARGIN_L = 170
MARGIN_R = 170
TEXT_W = int(LETTER_IN[0] * BASE_DPI) - MARGIN_L - MARGIN_R  # 1360
BODY_TOP = 600
BODY_BOTTOM = 2020
FOOTER_Y = 2075

# --------------------------------------------------------------------------
# Fictional reference data
# --------------------------------------------------------------------------

PATIENTS = [
    {"id": "P1", "family_name": "Quillfeather", "given_name": "Marisol",
     "mrn": "00482913", "birth_date": "1962-03-14", "sex": "F"},
    {"id": "P2", "family_name": "Brackenridge", "given_name": "Thaddeus",
     "mrn": "10573826", "birth_date": "1948-07-22", "sex": "M"},
    {"id": "P3", "family_name": "Okonkwo-Vale", "given_name": "Imogen",
     "mrn": "31904457", "birth_date": "1985-11-05", "sex": "F"},
    {"id": "P4", "family_name": "Fairweather", "given_name": "Lucius",
     "mrn": "27750318", "birth_date": "1937-01-30", "sex": "M"},
    {"id": "P5", "family_name": "Penhaligon", "given_name": "Rosalind",
     "mrn": "06219984", "birth_date": "1991-09-09", "sex": "F"},
    {"id": "P6", "family_name": "Abernathy", "given_name": "Cosimo",
     "mrn": "58832071", "birth_date": "2003-04-17", "sex": "M"},
]

HOSPITALS = [
    {"name": "Riverbend Fictional Medical Center",
     "address": "4410 Lantern Row, Maplewick, ZZ 00000",
     "phone": "(555) 010-2231"},
    {"name": "Harrowgate Fictional General Hospital",
     "address": "88 Copperleaf Avenue, Stillwater Bay, ZZ 00000",
     "phone": "(555) 010-7784"},
    {"name": "Thistledown Fictional Community Hospital",
     "address": "1 Orchard Spur, Fenmoor, ZZ 00000",
     "phone": "(555) 010-4410"},
]

DOCTORS = [
    "Evander Tolliver, MD", "Priya Halvorsen, MD", "Nkechi Ashdown, DO",
    "Felix Oyelaran-Stroud, MD", "Margit Esterhazy, MD", "Joaquin Bellweather, MD",
]

DOC_TITLES = {
    "history_physical": "HISTORY AND PHYSICAL",
    "discharge_summary": "DISCHARGE SUMMARY",
    "operative_report": "OPERATIVE REPORT",
    "progress_note": "PROGRESS NOTE",
    "consultation": "CONSULTATION REPORT",
    "emergency_note": "EMERGENCY DEPARTMENT NOTE",
    "lab_report": "LABORATORY REPORT",
    "radiology_report": "RADIOLOGY REPORT",
    "pathology_report": "SURGICAL PATHOLOGY REPORT",
    "consent": "CONSENT FOR TREATMENT",
    "insurance": "INSURANCE VERIFICATION FORM",
    "medication_record": "MEDICATION ADMINISTRATION RECORD",
    "correspondence": "",  # letters have no form title
    "other": "CHART DOCUMENT",
}

DOC_TYPES = list(DOC_TITLES)

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def parse_date(s):
    y, m, d = (int(x) for x in s.split("-"))
    return date(y, m, d)


def us_date(s):
    """'2019-11-02' -> '11/02/2019'."""
    d = parse_date(s)
    return "%02d/%02d/%04d" % (d.month, d.day, d.year)


def long_date(s):
    d = parse_date(s)
    months = ["January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December"]
    return "%s %d, %d" % (months[d.month - 1], d.day, d.year)


def add_days(s, n):
    return date.fromordinal(parse_date(s).toordinal() + n).isoformat()


def age_on(birth, on):
    b, d = parse_date(birth), parse_date(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def patient_truth(p):
    """The patient object used in truth.jsonl."""
    if p is None:
        return None
    return {"mrn": p["mrn"], "family_name": p["family_name"],
            "given_name": p["given_name"], "birth_date": p["birth_date"]}


def random_service_date(rng, start_year=2014, end_year=2022):
    a = date(start_year, 1, 1).toordinal()
    b = date(end_year, 12, 31).toordinal()
    return date.fromordinal(rng.randint(a, b)).isoformat()


def _ctx(patient, dos, rng, doctor=None):
    f = patient["sex"] == "F"
    docs = list(DOCTORS)
    rng.shuffle(docs)
    doctor = doctor or docs[0]
    return {
        "First": patient["given_name"], "Last": patient["family_name"],
        "LAST": patient["family_name"].upper(),
        "age": age_on(patient["birth_date"], dos),
        "He": "She" if f else "He", "he": "she" if f else "he",
        "His": "Her" if f else "His", "his": "her" if f else "his",
        "him": "her" if f else "him",
        "man": "woman" if f else "man", "Mr": "Ms." if f else "Mr.",
        "dos": us_date(dos), "dos_long": long_date(dos),
        "doctor": doctor, "doctor2": docs[1], "doctor3": docs[2],
        "doc_short": "Dr. " + doctor.split(",")[0].split()[-1],
        "doc2_short": "Dr. " + docs[1].split(",")[0].split()[-1],
    }


# --------------------------------------------------------------------------
# Clinical content.  Each scenario returns a list of blocks:
#   ("sec", HEADING, text)            inline bold heading + paragraph
#   ("para", text)                    plain paragraph
#   ("list", HEADING, [items])        heading line + numbered/bulleted items
#   ("fields", [(label, value), ...]) label/value pairs, two per line
#   ("table", [col titles], [rows], [col x fractions])
#   ("space",)                        half-line gap
# All prose below was written for this generator (no real records).
# --------------------------------------------------------------------------


def _hp_heart_failure(c, rng):
    return [
        ("sec", "CHIEF COMPLAINT:", "Progressive shortness of breath and ankle swelling for two weeks."),
        ("sec", "HISTORY OF PRESENT ILLNESS:",
         "{Mr} {Last} is a {age}-year-old {man} with hypertension and type 2 diabetes who presents with "
         "worsening breathlessness on exertion. {He} now becomes winded after walking half a block, where "
         "previously {he} managed several blocks without difficulty. {He} sleeps propped on three pillows "
         "and twice this week awoke at night gasping. Ankle swelling has increased despite a lower salt diet. "
         "{He} denies chest pain, fever, or productive cough, and reports no recent travel."),
        ("sec", "PAST MEDICAL HISTORY:", "Hypertension, type 2 diabetes mellitus, hyperlipidemia, osteoarthritis of both knees."),
        ("sec", "MEDICATIONS:", "Lisinopril 20 mg daily, metformin 1000 mg twice daily, atorvastatin 40 mg nightly, acetaminophen as needed."),
        ("sec", "ALLERGIES:", "Penicillin (hives)."),
        ("sec", "SOCIAL HISTORY:", "Lives with a sibling. Former smoker, quit fifteen years ago. Drinks alcohol rarely. Walks a small terrier daily."),
        ("sec", "FAMILY HISTORY:", "Father with coronary artery disease. Mother had a stroke in her seventies."),
        ("sec", "REVIEW OF SYSTEMS:", "Positive for fatigue, orthopnea and leg swelling. Negative for syncope, palpitations, "
         "hematuria or melena. All other systems reviewed and negative."),
        ("sec", "PHYSICAL EXAMINATION:",
         "Blood pressure 158/92, pulse 96, respirations 22, temperature 98.4 F, oxygen saturation 91 percent "
         "on room air. Alert and mildly tachypneic, speaking in full sentences. Jugular venous distension "
         "to the angle of the jaw. Bibasilar crackles without wheezing. Regular rhythm with an S3 gallop. "
         "Abdomen soft and nontender. Pitting edema to the mid shins bilaterally."),
        ("list", "ASSESSMENT AND PLAN:", [
            "Acute decompensated heart failure, probably a new diagnosis. Intravenous furosemide, strict "
            "intake and output, daily weights. Echocardiogram and serial troponin.",
            "Hypertension, uncontrolled. Continue lisinopril and titrate after diuresis.",
            "Type 2 diabetes. Hold metformin pending contrast imaging; correctional insulin.",
            "Prophylaxis with subcutaneous heparin. Full code, confirmed with the patient.",
        ]),
        ("space",),
        ("para", "Electronically signed by {doctor} on {dos}."),
    ]


def _hp_appendicitis(c, rng):
    return [
        ("sec", "CHIEF COMPLAINT:", "Abdominal pain moving to the right lower quadrant since last evening."),
        ("sec", "HISTORY OF PRESENT ILLNESS:",
         "{Mr} {Last} is a {age}-year-old {man} who developed vague periumbilical discomfort after dinner, "
         "followed by nausea and a single episode of vomiting. Overnight the pain migrated to the right lower "
         "quadrant and became sharp and constant, worse with walking and coughing. {He} reports loss of "
         "appetite and subjective chills. No diarrhea, dysuria, or prior similar episodes."),
        ("sec", "PAST MEDICAL HISTORY:", "Seasonal allergic rhinitis. Childhood asthma, resolved."),
        ("sec", "PAST SURGICAL HISTORY:", "Tonsillectomy in childhood."),
        ("sec", "MEDICATIONS:", "Cetirizine 10 mg daily as needed."),
        ("sec", "ALLERGIES:", "No known drug allergies."),
        ("sec", "SOCIAL HISTORY:", "Works as a bicycle courier. Does not smoke. Occasional wine on weekends."),
        ("sec", "PHYSICAL EXAMINATION:",
         "Temperature 100.9 F, pulse 108, blood pressure 124/78, respirations 18. Uncomfortable, lying still. "
         "Abdomen with focal tenderness at McBurney point, voluntary guarding, positive Rovsing sign. "
         "No hernias. Bowel sounds hypoactive."),
        ("sec", "LABORATORY DATA:", "White blood cell count 14.2 with neutrophil predominance. Urinalysis unremarkable."),
        ("list", "ASSESSMENT AND PLAN:", [
            "Suspected acute appendicitis. Computed tomography of the abdomen with contrast.",
            "Surgical consultation requested. Nothing by mouth, intravenous fluids, antiemetics.",
            "Intravenous antibiotics after imaging. Analgesia with scheduled acetaminophen.",
        ]),
        ("space",),
        ("para", "Electronically signed by {doctor} on {dos}."),
    ]


def _discharge_pneumonia(c, rng):
    return [
        ("fields", [("Admission Date:", c["admit"]), ("Discharge Date:", c["dos"]),
                    ("Attending:", c["doctor"]), ("Disposition:", "Home with family")]),
        ("space",),
        ("sec", "ADMITTING DIAGNOSIS:", "Community acquired pneumonia with hypoxemia."),
        ("list", "DISCHARGE DIAGNOSES:", [
            "Right lower lobe pneumonia, improving.",
            "Acute hypoxemic respiratory failure, resolved.",
            "Chronic obstructive pulmonary disease, moderate.",
            "Type 2 diabetes mellitus with stress hyperglycemia.",
        ]),
        ("sec", "PROCEDURES:", "Chest radiographs on admission and hospital day three. No invasive procedures."),
        ("sec", "HISTORY OF PRESENT ILLNESS:",
         "{Mr} {Last} is a {age}-year-old {man} with chronic obstructive pulmonary disease who presented "
         "with four days of fever, productive cough with rust colored sputum, and increasing breathlessness. "
         "In the emergency department {he} was febrile to 102.6 F with oxygen saturation of 86 percent on "
         "room air, and the chest radiograph showed a dense right lower lobe consolidation."),
        ("sec", "HOSPITAL COURSE:",
         "{He} was admitted to the medical ward and started on intravenous ceftriaxone and oral azithromycin. "
         "Supplemental oxygen by nasal cannula was required at up to four liters per minute. Blood cultures "
         "remained without growth. Sputum culture grew normal respiratory flora only. Scheduled bronchodilator "
         "nebulizers and a short course of oral prednisone were given for wheezing. {His} fever resolved on "
         "the second hospital day and {his} oxygen requirement decreased steadily."),
        ("para",
         "On hospital day three the repeat radiograph showed early resolution of the consolidation. Antibiotics "
         "were changed to oral amoxicillin with clavulanate. Blood glucose rose to the high two hundreds while "
         "on prednisone and was managed with correctional insulin; values normalized once the steroid was "
         "tapered. Physical therapy evaluated {him} and found {him} safe to walk independently with a cane."),
        ("para",
         "By the day of discharge {he} was walking the ward corridor on room air with saturation of 93 percent, "
         "tolerating a regular diet, and asking appropriate questions about {his} inhalers. Smoking cessation "
         "counseling was provided and {he} accepted a nicotine patch."),
        ("sec", "CONDITION AT DISCHARGE:", "Stable. Afebrile for more than forty-eight hours. Alert and oriented."),
        ("list", "DISCHARGE MEDICATIONS:", [
            "Amoxicillin with clavulanate 875 mg by mouth twice daily for five more days.",
            "Prednisone 20 mg by mouth daily for two more days, then stop.",
            "Tiotropium inhaler one inhalation daily (unchanged).",
            "Albuterol inhaler two puffs every four hours as needed for wheezing.",
            "Metformin 500 mg by mouth twice daily (unchanged).",
            "Nicotine patch 14 mg daily (new).",
        ]),
        ("list", "FOLLOW-UP:", [
            "Primary care with {doc2_short} within one week.",
            "Repeat chest radiograph in six weeks to document clearing.",
            "Pulmonary function testing at the outpatient laboratory.",
        ]),
        ("sec", "PATIENT INSTRUCTIONS:",
         "Return to the emergency department for fever above 101 F, worsening breathlessness, chest pain, "
         "confusion, or inability to keep fluids down. Finish the full antibiotic course even if feeling well. "
         "Check blood sugar twice daily while taking prednisone and bring the log to the clinic visit."),
        ("sec", "DIET AND ACTIVITY:", "Carbohydrate controlled diet. Activity as tolerated; walk three times daily."),
        ("space",),
        ("para", "Dictated by {doctor}. Transcribed {dos}. Copy to {doc2_short}."),
    ]


def _discharge_hip(c, rng):
    return [
        ("fields", [("Admission Date:", c["admit"]), ("Discharge Date:", c["dos"]),
                    ("Attending:", c["doctor"]), ("Disposition:", "Skilled nursing facility")]),
        ("space",),
        ("list", "DISCHARGE DIAGNOSES:", [
            "Left femoral neck fracture after a fall at home.",
            "Postoperative anemia, stable without transfusion.",
            "Atrial fibrillation, rate controlled.",
        ]),
        ("sec", "PROCEDURE:", "Left hip hemiarthroplasty on hospital day two."),
        ("sec", "HOSPITAL COURSE:",
         "{Mr} {Last} is a {age}-year-old {man} who tripped over a garden hose and could not bear weight. "
         "Radiographs confirmed a displaced femoral neck fracture. Anticoagulation was held and {he} underwent "
         "an uncomplicated hemiarthroplasty. Postoperative hemoglobin reached a low of 9.1 and was monitored. "
         "Physical therapy began on the first postoperative day, and {he} progressed to walking with a frame. "
         "Warfarin was resumed for atrial fibrillation with bridging enoxaparin."),
        ("sec", "CONDITION AT DISCHARGE:", "Good. Pain controlled with oral medication."),
        ("list", "DISCHARGE MEDICATIONS:", [
            "Enoxaparin 40 mg subcutaneously daily until the INR is therapeutic.",
            "Warfarin as directed by the anticoagulation clinic.",
            "Metoprolol 25 mg by mouth twice daily.",
            "Acetaminophen 1000 mg by mouth every eight hours.",
        ]),
        ("sec", "FOLLOW-UP:", "Orthopedics clinic in two weeks for wound review and staple removal."),
        ("space",),
        ("para", "Electronically signed by {doctor} on {dos}."),
    ]


def _op_chole(c, rng):
    return [
        ("fields", [("Surgeon:", c["doctor"]), ("Assistant:", c["doctor2"]),
                    ("Anesthesia:", "General endotracheal"), ("Blood Loss:", "Minimal, under 20 mL")]),
        ("space",),
        ("sec", "PREOPERATIVE DIAGNOSIS:", "Symptomatic cholelithiasis."),
        ("sec", "POSTOPERATIVE DIAGNOSIS:", "Chronic cholecystitis with cholelithiasis."),
        ("sec", "PROCEDURE PERFORMED:", "Laparoscopic cholecystectomy."),
        ("sec", "INDICATIONS:",
         "{Mr} {Last} is a {age}-year-old {man} with recurrent postprandial right upper quadrant pain and "
         "gallstones on ultrasound. Risks, benefits and alternatives were discussed and consent was obtained."),
        ("sec", "FINDINGS:", "Thickened gallbladder wall with dense omental adhesions. Multiple small stones. "
         "Normal appearing liver."),
        ("sec", "DESCRIPTION OF PROCEDURE:",
         "The patient was placed supine and general anesthesia was induced. The abdomen was prepped and draped "
         "in sterile fashion. Pneumoperitoneum was established through an umbilical port using the open "
         "technique, and three additional ports were placed under direct vision. Adhesions were taken down "
         "carefully. The triangle of Calot was dissected until the critical view of safety was achieved. "
         "The cystic duct and cystic artery were clipped and divided. The gallbladder was removed from the "
         "liver bed with electrocautery and extracted in a retrieval bag. Hemostasis was confirmed and the "
         "ports were removed under vision. Skin was closed with absorbable subcuticular sutures."),
        ("sec", "SPECIMEN:", "Gallbladder to pathology."),
        ("sec", "COMPLICATIONS:", "None. Sponge and needle counts correct."),
        ("sec", "DISPOSITION:", "Extubated in the operating room and taken to recovery in stable condition."),
    ]


def _progress_soap(c, rng):
    return [
        ("fields", [("Hospital Day:", "3"), ("Author:", c["doctor"])]),
        ("space",),
        ("sec", "SUBJECTIVE:",
         "Slept better overnight. Breathing easier and able to walk to the bathroom without stopping. Appetite "
         "returning. Mild soreness at the intravenous site. No chest pain or palpitations."),
        ("sec", "OBJECTIVE:",
         "Temperature 98.1 F, pulse 84, blood pressure 132/80, respirations 18, saturation 95 percent on two "
         "liters. Lungs with scattered crackles at the right base, improved from yesterday. Heart regular. "
         "Trace ankle edema. Weight down 1.4 kilograms since admission. Potassium 3.6, creatinine 1.1."),
        ("sec", "ASSESSMENT:",
         "{age}-year-old {man} with pneumonia and volume overload, clinically improving on current therapy."),
        ("list", "PLAN:", [
            "Continue antibiotics, day three of seven. Transition to oral therapy tomorrow if afebrile.",
            "Wean supplemental oxygen to keep saturation above 92 percent.",
            "Encourage incentive spirometry and ambulation three times daily.",
            "Replace potassium per protocol. Recheck basic metabolic panel in the morning.",
            "Anticipate discharge home in one to two days; case management notified.",
        ]),
        ("space",),
        ("para", "{doctor}"),
    ]


def _progress_clinic(c, rng):
    return [
        ("fields", [("Visit Type:", "Established patient follow-up"), ("Provider:", c["doctor"])]),
        ("space",),
        ("sec", "SUBJECTIVE:",
         "Returns for review of blood pressure and migraine frequency. Headaches reduced from weekly to about "
         "twice a month since starting propranolol. Occasional lightheadedness on standing quickly. Sleeping "
         "well. Keeping a headache diary, which {he} brought today."),
        ("sec", "OBJECTIVE:",
         "Blood pressure 118/74 seated, 110/70 standing. Pulse 62. Weight stable. Neurological examination "
         "nonfocal. Fundi without papilledema."),
        ("sec", "ASSESSMENT:", "Migraine without aura, improved. Blood pressure well controlled."),
        ("list", "PLAN:", [
            "Continue propranolol 40 mg twice daily; rise slowly from sitting.",
            "Limit analgesic use to two days per week to avoid rebound headache.",
            "Return visit in three months, sooner for any new neurological symptoms.",
        ]),
        ("space",),
        ("para", "{doctor}"),
    ]


def _consult_nephro(c, rng):
    return [
        ("fields", [("Requesting Physician:", c["doc2_short"]), ("Consultant:", c["doctor"])]),
        ("space",),
        ("sec", "REASON FOR CONSULTATION:", "Rising creatinine after contrast imaging."),
        ("sec", "HISTORY OF PRESENT ILLNESS:",
         "{Mr} {Last} is a {age}-year-old {man} admitted with diverticulitis. {He} received intravenous "
         "contrast for abdominal imaging on admission. Creatinine has since risen from a baseline of 0.9 to "
         "2.3 over three days, with urine output falling to about thirty milliliters per hour. {He} has been "
         "taking ibuprofen at home for back pain and continued an angiotensin receptor blocker until yesterday."),
        ("sec", "EXAMINATION:", "Euvolemic on examination. No rub. No asterixis. Bladder scan shows no retention."),
        ("sec", "IMPRESSION:",
         "Acute kidney injury, most consistent with contrast associated nephropathy compounded by "
         "nonsteroidal anti-inflammatory drug use and angiotensin blockade."),
        ("list", "RECOMMENDATIONS:", [
            "Hold losartan and avoid all nonsteroidal anti-inflammatory drugs.",
            "Isotonic fluids at 75 mL per hour for twenty-four hours, then reassess.",
            "Renal ultrasound to exclude obstruction. Urine sodium and microscopy.",
            "Daily basic metabolic panel; renally dose antibiotics.",
            "We will follow along. Thank you for this interesting consultation.",
        ]),
    ]


def _ed_note(c, rng):
    return [
        ("fields", [("Arrival:", "Ambulance"), ("Triage Level:", "ESI 3"),
                    ("ED Physician:", c["doctor"])]),
        ("space",),
        ("sec", "CHIEF COMPLAINT:", "Laceration to the left forearm and wrist pain after a fall."),
        ("sec", "HISTORY OF PRESENT ILLNESS:",
         "{Mr} {Last} is a {age}-year-old {man} who slipped on a wet loading ramp at work and landed on an "
         "outstretched left hand, striking the forearm on a metal edge. No head strike or loss of consciousness. "
         "Tetanus status unknown. Pain rated six out of ten, worse with wrist extension."),
        ("sec", "EXAMINATION:",
         "Four centimeter linear laceration over the dorsal forearm, clean edges, no exposed tendon. Snuffbox "
         "tenderness present. Radial pulse intact, capillary refill brisk, sensation intact in all digits."),
        ("sec", "EMERGENCY DEPARTMENT COURSE:",
         "Wound irrigated with saline and closed with six interrupted nylon sutures under local lidocaine. "
         "Tetanus toxoid given. Wrist radiographs without visible fracture; thumb spica splint applied given "
         "scaphoid tenderness."),
        ("sec", "DISPOSITION:",
         "Discharged home. Suture removal in ten days. Hand clinic follow-up in one week with repeat imaging. "
         "Return precautions reviewed and understood."),
    ]


LAB_PANEL = [
    # test, value, units, low, high, decimals
    ("Sodium", 139, "mmol/L", 135, 145, 0),
    ("Potassium", 4.1, "mmol/L", 3.5, 5.1, 1),
    ("Chloride", 102, "mmol/L", 98, 107, 0),
    ("Bicarbonate", 25, "mmol/L", 22, 29, 0),
    ("Urea Nitrogen", 16, "mg/dL", 7, 20, 0),
    ("Creatinine", 0.9, "mg/dL", 0.6, 1.2, 1),
    ("Glucose", 98, "mg/dL", 70, 99, 0),
    ("Calcium", 9.4, "mg/dL", 8.6, 10.3, 1),
    ("Hemoglobin", 13.6, "g/dL", 12.0, 16.0, 1),
    ("Platelets", 251, "K/uL", 150, 400, 0),
    ("Leukocytes", 7.2, "K/uL", 4.0, 11.0, 1),
]


def lab_rows(rng, n_abnormal=2):
    rows = []
    abnormal = set(rng.sample(range(len(LAB_PANEL)), n_abnormal))
    for i, (name, v, units, lo, hi, dec) in enumerate(LAB_PANEL):
        span = hi - lo
        if i in abnormal:
            val = hi + span * rng.uniform(0.15, 0.6) if rng.random() < 0.6 else lo - span * rng.uniform(0.1, 0.3)
        else:
            val = lo + span * rng.uniform(0.2, 0.8)
        flag = "H" if val > hi else ("L" if val < lo else "")
        fmt = "%%.%df" % dec
        rows.append([name, fmt % val, units, (fmt % lo) + " - " + (fmt % hi), flag])
    return rows


def _lab_bmp(c, rng):
    return [
        ("fields", [("Collected:", c["dos"] + " 06:40"), ("Received:", c["dos"] + " 07:15"),
                    ("Specimen:", "Venous blood"), ("Ordering:", c["doc_short"])]),
        ("space",),
        ("table", ["Test", "Result", "Units", "Reference Range", "Flag"], lab_rows(rng),
         [0.0, 0.34, 0.50, 0.68, 0.92]),
        ("space",),
        ("sec", "COMMENT:", "Specimen received within stability limits; no hemolysis detected. "
         "Abnormal results flagged H (high) or L (low) and reviewed by the laboratory supervisor."),
        ("para", "Laboratory director: {doctor3}"),
    ]


def _radiology_ct(c, rng):
    return [
        ("fields", [("Exam:", "CT abdomen and pelvis with contrast"), ("Accession:", "RX%07d" % rng.randint(0, 9999999)),
                    ("Ordering:", c["doc2_short"]), ("Radiologist:", c["doctor"])]),
        ("space",),
        ("sec", "INDICATION:", "Right lower quadrant pain, fever, leukocytosis."),
        ("sec", "TECHNIQUE:", "Helical images through the abdomen and pelvis after intravenous contrast. "
         "Coronal and sagittal reformats reviewed."),
        ("sec", "COMPARISON:", "None available."),
        ("sec", "FINDINGS:",
         "The appendix is dilated to twelve millimeters with wall thickening, mucosal hyperenhancement and "
         "surrounding fat stranding. A small appendicolith is present at its base. No abscess or free air. "
         "The liver, spleen, pancreas and adrenal glands are unremarkable. The kidneys enhance symmetrically "
         "without hydronephrosis. The bladder is decompressed. No enlarged lymph nodes. Lung bases clear."),
        ("list", "IMPRESSION:", [
            "Acute uncomplicated appendicitis with appendicolith.",
            "No abscess or perforation.",
        ]),
        ("para", "Findings communicated by telephone to the ordering clinician at the time of reading."),
    ]


def _radiology_chest(c, rng):
    return [
        ("fields", [("Exam:", "Chest radiograph, two views"), ("Accession:", "RX%07d" % rng.randint(0, 9999999)),
                    ("Ordering:", c["doc2_short"]), ("Radiologist:", c["doctor"])]),
        ("space",),
        ("sec", "INDICATION:", "Cough and fever, evaluate for pneumonia."),
        ("sec", "FINDINGS:",
         "Frontal and lateral views of the chest. There is patchy airspace consolidation in the right lower "
         "lobe with air bronchograms. No pleural effusion or pneumothorax. Heart size normal. Mediastinal "
         "contours unremarkable. Degenerative changes of the thoracic spine."),
        ("sec", "IMPRESSION:", "Right lower lobe pneumonia. Follow-up radiograph recommended after treatment "
         "to document resolution."),
    ]


def _pathology(c, rng):
    return [
        ("fields", [("Accession:", "SP-%02d-%05d" % (rng.randint(14, 22), rng.randint(0, 99999))),
                    ("Pathologist:", c["doctor"]), ("Surgeon:", c["doc2_short"])]),
        ("space",),
        ("sec", "SPECIMEN:", "Gallbladder, cholecystectomy."),
        ("sec", "CLINICAL HISTORY:", "Recurrent biliary colic with gallstones."),
        ("sec", "GROSS DESCRIPTION:",
         "Received fresh labeled with the patient name is an opened gallbladder measuring eight centimeters "
         "in length. The serosa is tan and focally roughened. The wall measures up to four millimeters. "
         "Numerous yellow faceted stones are present. Representative sections are submitted in one cassette."),
        ("sec", "MICROSCOPIC DESCRIPTION:",
         "Sections show a thickened muscular wall with chronic inflammation, Rokitansky-Aschoff sinuses and "
         "mild fibrosis. No dysplasia or malignancy identified."),
        ("sec", "DIAGNOSIS:", "Gallbladder: chronic cholecystitis with cholelithiasis. Negative for malignancy."),
    ]


def _consent(c, rng):
    return [
        ("para",
         "I, the undersigned patient or legally authorized representative, consent to the examination and "
         "treatment that my physicians at this facility consider necessary, including diagnostic procedures, "
         "laboratory tests, imaging and the administration of medications."),
        ("para",
         "I understand that the practice of medicine is not an exact science and that no guarantees have been "
         "made to me about the results of examination or treatment. I have had the opportunity to ask "
         "questions, and my questions have been answered to my satisfaction."),
        ("para",
         "I authorize the facility to release information from my record to my insurance carrier as needed "
         "for payment, and to retain, preserve and use any tissue removed for teaching and quality review."),
        ("para", "Planned procedure: {procedure}."),
        ("space",),
        ("para", "Patient signature: ______________________________    Date: {dos}"),
        ("space",),
        ("para", "Witness: ______________________________    Interpreter used: No"),
        ("space",),
        ("para", "Physician: {doctor}"),
    ]


def _insurance(c, rng):
    return [
        ("fields", [("Primary Carrier:", "Fictional Mutual Health Plan"),
                    ("Member ID:", "FMH-%04d-%04d" % (rng.randint(0, 9999), rng.randint(0, 9999))),
                    ("Group Number:", "GRP-%05d" % rng.randint(0, 99999)),
                    ("Subscriber:", "Self"),
                    ("Plan Type:", "Preferred provider"),
                    ("Copayment:", "$25 office, $150 emergency")]),
        ("space",),
        ("sec", "VERIFICATION:",
         "Eligibility confirmed by telephone with the carrier representative. Coverage active for the date "
         "of service. Deductible partially satisfied. Prior authorization is required for advanced imaging "
         "and elective inpatient admission."),
        ("sec", "SECONDARY COVERAGE:", "None reported by the patient."),
        ("sec", "NOTES:", "Patient informed of estimated out of pocket responsibility. Financial counseling offered "
         "and declined. Copy of insurance card scanned to the chart."),
        ("space",),
        ("para", "Verified by: Registration clerk, station four"),
    ]


def _mar(c, rng):
    rows = [
        ["Heparin", "5000 units", "SC", "Every 8 hours", "06  14  22"],
        ["Ceftriaxone", "1 g", "IV", "Daily", "09"],
        ["Furosemide", "40 mg", "IV", "Twice daily", "09  17"],
        ["Atorvastatin", "40 mg", "PO", "Nightly", "21"],
        ["Acetaminophen", "650 mg", "PO", "Every 6 hours PRN", "10  16"],
        ["Albuterol", "2.5 mg", "Neb", "Every 4 hours PRN", "03"],
    ]
    return [
        ("fields", [("Unit:", "4 West, Room 412"), ("Allergies:", "Penicillin"),
                    ("Weight:", "%d kg" % rng.randint(55, 98)), ("Prescriber:", c["doc_short"])]),
        ("space",),
        ("table", ["Medication", "Dose", "Route", "Frequency", "Given (hours)"], rows,
         [0.0, 0.27, 0.44, 0.55, 0.80]),
        ("space",),
        ("sec", "NURSING NOTES:", "Morning furosemide held for systolic pressure below 100 per protocol; "
         "prescriber notified. Patient refused evening albuterol, breathing comfortably."),
        ("para", "Reviewed by charge nurse at shift change."),
    ]


def _letter(c, rng):
    return [
        ("para", "{dos_long}"),
        ("space",),
        ("para", "{doc2_short}"),
        ("para", "Lindenhall Fictional Family Practice"),
        ("para", "212 Quarry Lane, Fenmoor, ZZ 00000"),
        ("space",),
        ("para", "RE: Patient: {LAST}, {FIRST}"),
        ("para", "MRN: {mrn}    DOB: {dob}    Date of Service: {dos}"),
        ("space",),
        ("para", "Dear {doc2_short},"),
        ("para",
         "Thank you for referring {Mr} {Last}, whom I saw in the cardiology clinic today for evaluation of "
         "exertional palpitations. {His} resting electrocardiogram showed sinus rhythm with occasional "
         "premature atrial complexes. A two week ambulatory monitor captured brief runs of supraventricular "
         "tachycardia that correlated with {his} symptoms."),
        ("para",
         "The echocardiogram showed normal biventricular size and function without significant valve disease. "
         "I have started metoprolol succinate 25 mg daily and advised reducing caffeine. We discussed "
         "catheter ablation as an option should symptoms persist despite medication."),
        ("para", "I will see {him} again in three months. Please do not hesitate to contact me with questions."),
        ("space",),
        ("para", "Sincerely,"),
        ("para", "{doctor}"),
        ("para", "Cardiology Clinic"),
    ]


SCENARIOS = {
    "history_physical": [_hp_heart_failure, _hp_appendicitis],
    "discharge_summary": [_discharge_pneumonia, _discharge_hip],
    "operative_report": [_op_chole],
    "progress_note": [_progress_soap, _progress_clinic],
    "consultation": [_consult_nephro],
    "emergency_note": [_ed_note],
    "lab_report": [_lab_bmp],
    "radiology_report": [_radiology_ct, _radiology_chest],
    "pathology_report": [_pathology],
    "consent": [_consent],
    "insurance": [_insurance],
    "medication_record": [_mar],
    "correspondence": [_letter],
}

PROCEDURES = ["Laparoscopic cholecystectomy", "Colonoscopy with possible biopsy",
              "Left hip hemiarthroplasty", "Cardiac catheterization"]

# --------------------------------------------------------------------------
# Fonts and layout
# --------------------------------------------------------------------------

_FONT_CACHE = {}


def font(family, weight, px):
    key = (family, weight, int(round(px)))
    f = _FONT_CACHE.get(key)
    if f is None:
        f = ImageFont.truetype(os.path.join(FONT_DIR, FONT_FILES[(family, weight)]), key[2])
        _FONT_CACHE[key] = f
    return f


def pt_px(pt, dpi=BASE_DPI):
    return pt * dpi / 72.0


def _fmt(s, c):
    return s.format(**c)


def wrap_runs(runs, family, pt, width, indent=0, hang=0):
    """Greedy word wrap of styled runs [(text, weight)] at BASE_DPI.
    Returns lines: [{"runs": [[text, weight], ...], "indent": px}]"""
    words = []
    for text, weight in runs:
        for w in text.split():
            words.append((w, weight))
    lines, cur, x = [], [], 0.0
    limit = width - indent
    for w, weight in words:
        f = font(family, weight, pt_px(pt))
        wl = f.getlength(w)
        sp = f.getlength(" ")
        add = wl if not cur else sp + wl
        if cur and x + add > limit:
            lines.append({"runs": cur, "indent": indent if not lines else indent + hang})
            limit = width - indent - hang
            cur, x = [], 0.0
            add = wl
        if cur and cur[-1][1] == weight:
            cur[-1][0] += " " + w
        elif cur:
            cur.append([" " + w, weight])
        else:
            cur.append([w, weight])
        x += add
    if cur:
        lines.append({"runs": cur, "indent": indent if not lines else indent + hang})
    return lines


def layout_blocks(blocks, ctx, family="sans", pt=11):
    """Turn content blocks into a flat list of line dicts (BASE_DPI units).
    Each block's lines carry the index of the block, so pagination can
    avoid splitting a heading from its first line."""
    out = []
    for bi, b in enumerate(blocks):
        kind = b[0]
        if kind == "sec":
            ls = wrap_runs([(b[1], "bold"), (_fmt(b[2], ctx), "regular")], family, pt, TEXT_W)
        elif kind == "para":
            ls = wrap_runs([(_fmt(b[1], ctx), "regular")], family, pt, TEXT_W)
        elif kind == "list":
            ls = [{"runs": [[b[1], "bold"]], "indent": 0}]
            for i, item in enumerate(b[2]):
                ls += wrap_runs([("%d." % (i + 1), "regular"), (_fmt(item, ctx), "regular")],
                                family, pt, TEXT_W, indent=30, hang=45)
        elif kind == "fields":
            pairs = [(l, _fmt(v, ctx)) for l, v in b[1]]
            ls = []
            for i in range(0, len(pairs), 2):
                cells = pairs[i:i + 2]
                ls.append({"fields": [[l, v] for l, v in cells]})
        elif kind == "table":
            ls = [{"table": [str(x) for x in b[1]], "cols": b[3], "header": True}]
            for row in b[2]:
                ls.append({"table": [str(x) for x in row], "cols": b[3], "header": False})
        elif kind == "space":
            ls = [{"space": True}]
        else:
            raise ValueError("unknown block kind %r" % (kind,))
        for l in ls:
            l["block"] = bi
        out += ls
    return out


def _line_units(l):
    return 0.5 if l.get("space") else 1.0


def paginate(lines, max_lines):
    pages, cur, n = [], [], 0.0
    for l in lines:
        u = _line_units(l)
        if n + u > max_lines and cur:
            # keep a lone heading line with what follows it
            if len(cur) >= 2 and cur[-1].get("runs") and len(cur[-1]["runs"]) == 1 \
                    and cur[-1]["runs"][0][1] == "bold" and cur[-1].get("block") == l.get("block"):
                carry = [cur.pop()]
            else:
                carry = []
            while cur and cur[-1].get("space"):
                cur.pop()
            pages.append(cur)
            cur, n = carry, float(len(carry))
            if u == 0.5:  # drop a spacer at the top of a page
                continue
        cur.append(l)
        n += u
    if cur:
        pages.append(cur)
    return pages


def make_document(doc_type, patient, rng, *, hospital=None, dos=None, scenario=None,
                  family=None, body_pt=None, name_style=None, mrn_label=None,
                  max_pages=None, max_lines=24, dpi=BASE_DPI, color=False, extra=None):
    """Build the page specs of one document.  Returns a list of spec dicts.

    doc_type   one of DOC_TYPES (except 'other')
    patient    an entry of PATIENTS
    rng        random.Random (all choices not given explicitly are drawn from it)
    max_pages  if set, trailing blocks are dropped so the document fits
    max_lines  body line budget per page (15-30 printed lines in total per page)
    """
    hospital = hospital or rng.choice(HOSPITALS)
    dos = dos or random_service_date(rng)
    family = family or rng.choice(["sans", "sans", "serif", "condensed"])
    body_pt = body_pt or rng.choice([10, 10.5, 11, 11, 12])
    name_style = name_style or rng.choice(["last_first", "first_last"])
    mrn_label = mrn_label or rng.choice(["MRN:", "Med Rec No:"])
    scen_list = SCENARIOS[doc_type]
    fn = scen_list[scenario] if scenario is not None else rng.choice(scen_list)
    ctx = _ctx(patient, dos, rng)
    ctx.update({"admit": us_date(add_days(dos, -rng.randint(3, 6))),
                "procedure": rng.choice(PROCEDURES),
                "FIRST": patient["given_name"].upper(),
                "mrn": patient["mrn"], "dob": us_date(patient["birth_date"])})
    blocks = fn(ctx, rng)
    lines = layout_blocks(blocks, ctx, family, body_pt)
    pages = paginate(lines, max_lines)
    if max_pages is not None and len(pages) > max_pages:
        # drop whole trailing blocks until it fits
        while len(pages) > max_pages and len(blocks) > 1:
            blocks = blocks[:-1]
            while blocks and blocks[-1][0] == "space":
                blocks = blocks[:-1]
            lines = layout_blocks(blocks, ctx, family, body_pt)
            pages = paginate(lines, max_lines)
    extra_fields = []
    if doc_type in ("history_physical", "progress_note", "consultation", "emergency_note"):
        extra_fields = [("Sex:", patient["sex"]), ("Location:", rng.choice(
            ["4 West, Room 412", "Emergency Dept", "Clinic B", "2 North, Room 218", "ICU Bed 6"]))]
    specs = []
    for i, pl in enumerate(pages):
        spec = {
            "doc_type": doc_type,
            "title": DOC_TITLES[doc_type],
            "hospital": hospital,
            "patient": patient,
            "date_of_service": dos,
            "name_style": name_style,
            "mrn_label": mrn_label,
            "extra_fields": extra_fields,
            "patient_block": doc_type != "correspondence",
            "lines": pl,
            "page": i + 1,
            "pages": len(pages),
            "family": family,
            "body_pt": body_pt,
            "dpi": dpi,
            "size_in": LETTER_IN,
            "color": color,
        }
        if extra:
            spec.update(extra)
        specs.append(spec)
    return specs


def blank_spec(dpi=BASE_DPI):
    return {"doc_type": None, "blank": True, "dpi": dpi, "size_in": LETTER_IN, "lines": [],
            "patient": None, "title": "", "color": False}


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def patient_block_lines(spec):
    p = spec["patient"]
    if spec["name_style"] == "last_first":
        name = ("Patient:", "%s, %s" % (p["family_name"].upper(), p["given_name"].upper()))
    else:
        name = ("Name:", "%s %s" % (p["given_name"], p["family_name"]))
    rows = [[name, (spec["mrn_label"], p["mrn"])],
            [("DOB:", us_date(p["birth_date"])), ("Date of Service:", us_date(spec["date_of_service"]))]]
    ef = spec.get("extra_fields") or []
    if ef:
        rows.append(list(ef[:2]))
    return rows


def header_texts(spec):
    """All strings drawn on the page, with a size class: 'large' for the
    hospital name and title, 'normal' for body text, 'small' for header/footer."""
    out = []
    if spec.get("blank"):
        return out
    h = spec["hospital"]
    out.append((h["name"], "large"))
    out.append(("%s  |  Tel %s" % (h["address"], h["phone"]), "small"))
    out.append((SYNTHETIC_LINE, "small"))
    if spec["title"]:
        out.append((spec["title"], "large"))
    if spec.get("patient_block"):
        for row in patient_block_lines(spec):
            for l, v in row:
                out.append((l + " " + v, "normal"))
    for l in spec["lines"]:
        out.append((line_text(l), "normal"))
    if spec.get("pages", 1) > 1:
        out.append(("Page %d of %d" % (spec["page"], spec["pages"]), "small"))
    return out


def line_text(l):
    if "runs" in l:
        return "".join(t for t, _ in l["runs"])
    if "fields" in l:
        return "    ".join(a + " " + b for a, b in l["fields"])
    if "table" in l:
        return "  ".join(l["table"])
    return ""


def render_page(spec):
    """Render a page spec to a PIL image: mode "L" (or "RGB" if spec["color"]),
    size spec["size_in"] * spec["dpi"], white background, near-black ink."""
    dpi = spec.get("dpi", BASE_DPI)
    W = int(round(spec["size_in"][0] * dpi))
    H = int(round(spec["size_in"][1] * dpi))
    s = dpi / BASE_DPI
    color = spec.get("color", False)
    mode = "RGB" if color else "L"
    paper = (252, 251, 246) if color else 255
    ink = (22, 22, 28) if color else 24
    accent = (20, 52, 120) if color else 24
    im = Image.new(mode, (W, H), paper)
    if spec.get("blank"):
        return im
    d = ImageDraw.Draw(im)
    fam = spec["family"]
    X = lambda v: int(round(v * s))  # noqa: E731

    def F(weight, pt):
        return font(fam, weight, pt_px(pt, dpi))

    # header
    h = spec["hospital"]
    fh = F("bold", 16)
    d.text((X(MARGIN_L), X(110)), h["name"], font=fh, fill=accent)
    fs = F("regular", 9)
    d.text((X(MARGIN_L), X(170)), "%s  |  Tel %s" % (h["address"], h["phone"]), font=fs, fill=ink)
    d.text((X(MARGIN_L + TEXT_W) - fs.getlength(SYNTHETIC_LINE), X(60)), SYNTHETIC_LINE, font=fs, fill=ink)
    d.rectangle((X(MARGIN_L), X(225), X(MARGIN_L + TEXT_W), X(225) + max(2, X(4))), fill=accent)
    y = 260
    if spec["title"]:
        ft = F("bold", 18)
        tw = ft.getlength(spec["title"])
        d.text((X(MARGIN_L + TEXT_W / 2) - tw / 2, X(y)), spec["title"], font=ft, fill=accent)
        y += 85
    if spec.get("patient_block"):
        fl = F("regular", 11)
        fb = F("bold", 11)
        for row in patient_block_lines(spec):
            for ci, (lab, val) in enumerate(row):
                x0 = MARGIN_L + ci * TEXT_W * 0.55
                d.text((X(x0), X(y)), lab, font=fl, fill=ink)
                d.text((X(x0) + fl.getlength(lab + " "), X(y)), val, font=fb, fill=ink)
            y += 44
        y += 6
        d.rectangle((X(MARGIN_L), X(y), X(MARGIN_L + TEXT_W), X(y) + max(1, X(2))), fill=ink)
        y += 30
    # body
    pt = spec["body_pt"]
    lh = pt_px(pt) * 1.42
    y = max(y, 470)
    for l in spec["lines"]:
        if l.get("space"):
            y += lh * 0.5
            continue
        if "runs" in l:
            x = MARGIN_L + l.get("indent", 0)
            for text, weight in l["runs"]:
                f = F(weight, pt)
                d.text((X(x), X(y)), text, font=f, fill=ink)
                x += f.getlength(text) / s
        elif "fields" in l:
            fl, fb = F("regular", pt), F("bold", pt)
            for ci, (lab, val) in enumerate(l["fields"]):
                x0 = MARGIN_L + ci * TEXT_W * 0.55
                d.text((X(x0), X(y)), lab, font=fl, fill=ink)
                d.text((X(x0) + fl.getlength(lab + " "), X(y)), val, font=fl, fill=ink)
        elif "table" in l:
            f = F("bold" if l["header"] else "regular", pt)
            for cell, fx in zip(l["table"], l["cols"]):
                d.text((X(MARGIN_L + fx * TEXT_W), X(y)), cell, font=f, fill=ink)
            if l["header"]:
                yy = X(y + lh * 0.92)
                d.rectangle((X(MARGIN_L), yy, X(MARGIN_L + TEXT_W), yy + max(1, X(2))), fill=ink)
        y += lh
    # footer
    d.rectangle((X(MARGIN_L), X(FOOTER_Y - 18), X(MARGIN_L + TEXT_W), X(FOOTER_Y - 18) + max(1, X(2))), fill=ink)
    d.text((X(MARGIN_L), X(FOOTER_Y)), SYNTHETIC_LINE, font=fs, fill=ink)
    if spec.get("pages", 1) > 1:
        t = "Page %d of %d" % (spec["page"], spec["pages"])
        d.text((X(MARGIN_L + TEXT_W) - fs.getlength(t), X(FOOTER_Y)), t, font=fs, fill=ink)
    return im


# --------------------------------------------------------------------------
# Degradations (all deterministic given rng)
# --------------------------------------------------------------------------


def skew(im, degrees, fill=None):
    """Rotate counter-clockwise by `degrees` about the centre, same canvas, white fill."""
    if fill is None:
        fill = 255 if im.mode == "L" else (255, 255, 255)
    return im.rotate(degrees, resample=Image.BICUBIC, expand=False, fillcolor=fill)


def rot90(im):
    """Content rotated 90 degrees counter-clockwise (landscape pixels).
    Undo with a 90-degree clockwise rotation."""
    return im.transpose(Image.ROTATE_90)


def rot180(im):
    return im.transpose(Image.ROTATE_180)


def add_gaussian_noise(im, rng, sigma):
    """Additive gaussian noise from a seeded rng (uses an inverse-CDF lookup)."""
    nd = statistics.NormalDist(0, sigma)
    lut = [max(0, min(255, int(round(128 + nd.inv_cdf((u + 0.5) / 256.0))))) for u in range(256)]
    bands = []
    src = im.split() if im.mode == "RGB" else [im]
    for b in src:
        noise = Image.frombytes("L", im.size, rng.randbytes(im.size[0] * im.size[1])).point(lut)
        bands.append(ImageChops.add(b, noise, scale=1.0, offset=-128))
    return Image.merge("RGB", bands) if im.mode == "RGB" else bands[0]


def add_salt_pepper(im, rng, amount):
    """Set `amount` (fraction) of pixels to pure black or white."""
    im = im.copy()
    px = im.load()
    W, H = im.size
    n = int(W * H * amount)
    black = 0 if im.mode in ("L", "1") else (0, 0, 0)
    white = 255 if im.mode in ("L", "1") else (255, 255, 255)
    for _ in range(n):
        px[rng.randrange(W), rng.randrange(H)] = black if rng.random() < 0.5 else white
    return im


def add_specks(im, rng, count, max_r=3):
    """Small dark dust specks (scanner-glass dirt)."""
    im = im.copy()
    d = ImageDraw.Draw(im)
    W, H = im.size
    for _ in range(count):
        x, y = rng.randrange(W), rng.randrange(H)
        r = rng.choice([0.6, 1, 1, 1.5, 2, max_r])
        v = rng.randint(0, 90)
        fill = v if im.mode in ("L", "1") else (v, v, v)
        if im.mode == "1":
            fill = 0
        d.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    return im


def to_bilevel(im, threshold=150):
    """8-bit gray -> mode "1" by fixed threshold (no dithering), like a fax/scanner."""
    if im.mode != "L":
        im = im.convert("L")
    return im.point(lambda v: 255 if v > threshold else 0).convert("1", dither=Image.NONE)


# --------------------------------------------------------------------------
# Writers: PNG / JPEG / TIFF
# --------------------------------------------------------------------------


def _mkparent(path):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)


def save_png(im, path, dpi=None):
    """PNG; dpi stored in pHYs when given, otherwise no resolution chunk at all."""
    _mkparent(path)
    kw = {"optimize": True}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    im.save(path, "PNG", **kw)


def save_jpeg(im, path, quality=80, dpi=None):
    """Baseline JFIF JPEG; density written in the JFIF header (dpi may be a lie on purpose)."""
    _mkparent(path)
    kw = {"quality": quality, "optimize": True}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    im.save(path, "JPEG", **kw)


def jpeg_bytes(im, quality=75):
    b = io.BytesIO()
    im.save(b, "JPEG", quality=quality, optimize=True)
    return b.getvalue()


def tiff_ifds(data):
    """Minimal classic-TIFF parser: list of {tag: (type, count, values, entry_offset)} per IFD."""
    bo = data[:2]
    e = "<" if bo == b"II" else ">"
    if struct.unpack(e + "H", data[2:4])[0] != 42:
        raise ValueError("not a classic TIFF")
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
    fmts = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i"}
    off = struct.unpack(e + "I", data[4:8])[0]
    ifds = []
    while off:
        n = struct.unpack(e + "H", data[off:off + 2])[0]
        tags = {}
        for i in range(n):
            eo = off + 2 + 12 * i
            tag, typ, cnt = struct.unpack(e + "HHI", data[eo:eo + 8])
            size = sizes.get(typ, 1) * cnt
            voff = eo + 8 if size <= 4 else struct.unpack(e + "I", data[eo + 8:eo + 12])[0]
            vals = None
            if typ in fmts:
                vals = list(struct.unpack(e + fmts[typ] * cnt, data[voff:voff + size]))
            tags[tag] = (typ, cnt, vals, eo)
        ifds.append(tags)
        off = struct.unpack(e + "I", data[off + 2 + 12 * n:off + 6 + 12 * n])[0]
    return ifds, e


def _patch_photometric_miniswhite(data):
    """Set PhotometricInterpretation=0 (WhiteIsZero) in every IFD (SHORT value in-entry)."""
    data = bytearray(data)
    ifds, e = tiff_ifds(bytes(data))
    for t in ifds:
        typ, cnt, vals, eo = t[262]
        assert typ == 3 and cnt == 1
        struct.pack_into(e + "H", data, eo + 8, 0)
    return bytes(data)


def _invert1(im):
    return ImageOps.invert(im.convert("L")).convert("1", dither=Image.NONE)


def save_tiff_pages(images, path, compression, dpi=None, miniswhite=None, strip_size=None):
    """Multi-page TIFF via Pillow/libtiff.

    compression: 'group4', 'group3', 'tiff_lzw', 'tiff_adobe_deflate', 'raw', 'packbits'...
    miniswhite:  for mode "1" pages, write PhotometricInterpretation=WhiteIsZero
                 (what fax/scanner TIFFs use).  Default: True for bilevel images.
                 (Pillow 9.4's own inversion for this case is broken, so the image is
                 inverted here, written MinIsBlack, and the tag is patched.)
    """
    _mkparent(path)
    if miniswhite is None:
        miniswhite = images[0].mode == "1"
    frames = [_invert1(im) if miniswhite else im for im in images]
    kw = {"compression": compression}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    if strip_size:
        kw["strip_size"] = strip_size
    if len(frames) > 1:
        kw["save_all"] = True
        kw["append_images"] = frames[1:]
    b = io.BytesIO()
    frames[0].save(b, "TIFF", **kw)
    data = b.getvalue()
    if miniswhite:
        data = _patch_photometric_miniswhite(data)
    with open(path, "wb") as f:
        f.write(data)
    return data


def g4_encode(im1):
    """CCITT Group 4 (T.6) encode a mode "1" image.  Returns (bytes, width, height).
    The stream codes white runs as image white, i.e. suits PDF CCITTFaxDecode
    with /BlackIs1 false and TIFF Photometric WhiteIsZero."""
    if im1.mode != "1":
        raise ValueError("need mode 1")
    inv = _invert1(im1)
    b = io.BytesIO()
    inv.save(b, "TIFF", compression="group4", strip_size=1 << 30)
    data = b.getvalue()
    ifds, e = tiff_ifds(data)
    t = ifds[0]
    rps = t[278][2][0]
    offs, cnts = t[273][2], t[279][2]
    if rps < im1.size[1] or len(offs) != 1:
        raise RuntimeError("G4 strip does not cover the image (rows/strip %d)" % rps)
    return data[offs[0]:offs[0] + cnts[0]], im1.size[0], im1.size[1]


def write_tiff_gray16_deflate(im, path, dpi=200, rows_per_strip=64, level=6, big_endian=False):
    """Own minimal baseline TIFF writer: one page, 16-bit grayscale (BlackIsZero),
    Compression=8 (Adobe Deflate, zlib stream per strip), no predictor.
    8-bit input is expanded to 16 bits as v*257 (full range)."""
    _mkparent(path)
    if im.mode != "L":
        im = im.convert("L")
    W, H = im.size
    raw = im.tobytes()
    e = ">" if big_endian else "<"
    strips = []
    for r0 in range(0, H, rows_per_strip):
        part = raw[r0 * W:min(H, r0 + rows_per_strip) * W]
        buf = bytearray(2 * len(part))
        buf[0::2] = part  # v*257 has identical high and low bytes
        buf[1::2] = part
        strips.append(zlib.compress(bytes(buf), level))
    entries = []  # (tag, type, count, value-bytes)

    def short(tag, *vals):
        entries.append((tag, 3, len(vals), struct.pack(e + "H" * len(vals), *vals)))

    def long_(tag, *vals):
        entries.append((tag, 4, len(vals), struct.pack(e + "I" * len(vals), *vals)))

    def rat(tag, num, den):
        entries.append((tag, 5, 1, struct.pack(e + "II", num, den)))

    # offsets are patched below once the layout is known
    long_(256, W)
    long_(257, H)
    short(258, 16)
    short(259, 8)
    short(262, 1)
    long_(273, *([0] * len(strips)))
    short(277, 1)
    long_(278, rows_per_strip)
    long_(279, *[len(s) for s in strips])
    rat(282, int(dpi), 1)
    rat(283, int(dpi), 1)
    short(284, 1)
    short(296, 2)
    entries.sort(key=lambda x: x[0])
    # layout: header(8) | IFD | out-of-line values | strips
    ifd_off = 8
    ifd_size = 2 + 12 * len(entries) + 4
    extra_off = ifd_off + ifd_size
    extras = []
    pos = extra_off
    val_offsets = {}
    for tag, typ, cnt, vb in entries:
        if len(vb) > 4:
            if pos % 2:
                pos += 1
            val_offsets[tag] = pos
            pos += len(vb)
    data_off = pos + (pos % 2)
    strip_offs = []
    p = data_off
    for sdata in strips:
        strip_offs.append(p)
        p += len(sdata)
    entries = [(t, ty, c, struct.pack(e + "I" * len(strip_offs), *strip_offs) if t == 273 else vb)
               for t, ty, c, vb in entries]
    out = bytearray()
    out += (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, ifd_off)
    out += struct.pack(e + "H", len(entries))
    for tag, typ, cnt, vb in entries:
        out += struct.pack(e + "HHI", tag, typ, cnt)
        if len(vb) <= 4:
            out += vb + b"\0" * (4 - len(vb))
        else:
            out += struct.pack(e + "I", val_offsets[tag])
    out += struct.pack(e + "I", 0)
    for tag, typ, cnt, vb in entries:
        if len(vb) > 4:
            while len(out) < val_offsets[tag]:
                out += b"\0"
            out += vb
    while len(out) < data_off:
        out += b"\0"
    for sdata in strips:
        out += sdata
    with open(path, "wb") as f:
        f.write(out)
    return bytes(out)


# --------------------------------------------------------------------------
# Minimal PDF writer
# --------------------------------------------------------------------------


class PdfWriter:
    """Tiny PDF 1.4 writer: numbered objects, classic xref table, trailer.
    No timestamps or random IDs, so output is byte-for-byte reproducible."""

    def __init__(self):
        self.objs = []  # index = objnum - 1

    def reserve(self):
        self.objs.append(None)
        return len(self.objs)

    def set(self, num, body):
        self.objs[num - 1] = body if isinstance(body, bytes) else body.encode("latin-1")

    def add(self, body):
        n = self.reserve()
        self.set(n, body)
        return n

    def add_stream(self, dict_entries, data):
        head = ("<< %s /Length %d >>\nstream\n" % (dict_entries, len(data))).encode("latin-1")
        return self.add(head + data + b"\nendstream")

    def tobytes(self, root, info=None):
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self.objs):
            if body is None:
                raise ValueError("object %d reserved but never set" % (i + 1))
            offsets.append(len(out))
            out += b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n" % (len(self.objs) + 1)
        out += b"0000000000 65535 f \n"
        for o in offsets:
            out += b"%010d 00000 n \n" % o
        trailer = "<< /Size %d /Root %d 0 R" % (len(self.objs) + 1, root)
        if info:
            trailer += " /Info %d 0 R" % info
        out += b"trailer\n" + trailer.encode("latin-1") + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
        return bytes(out)


def pdf_string(s):
    return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def image_xobject(im, kind, quality=75):
    """Return (dict entries, data) for a gray image XObject.
    kind: 'dct' (8-bit JPEG), 'flate' (8-bit zlib, no predictor),
          'ccitt' (1-bit Group 4, /K -1 /BlackIs1 false)."""
    W, H = im.size
    if kind == "dct":
        g = im.convert("L")
        data = jpeg_bytes(g, quality)
        d = "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray " \
            "/BitsPerComponent 8 /Filter /DCTDecode" % (W, H)
    elif kind == "flate":
        g = im.convert("L")
        data = zlib.compress(g.tobytes(), 9)
        d = "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray " \
            "/BitsPerComponent 8 /Filter /FlateDecode" % (W, H)
    elif kind == "ccitt":
        b1 = im if im.mode == "1" else to_bilevel(im)
        data, W, H = g4_encode(b1)
        d = "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray " \
            "/BitsPerComponent 1 /Filter /CCITTFaxDecode " \
            "/DecodeParms << /K -1 /Columns %d /Rows %d /BlackIs1 false >>" % (W, H, W, H)
    else:
        raise ValueError(kind)
    return d, data


def write_image_pdf(path, pages, page_size=(612, 792), title=None):
    """pages: list of (PIL image, kind) ; each image fills its page."""
    _mkparent(path)
    w = PdfWriter()
    catalog = w.reserve()
    pages_obj = w.reserve()
    kids = []
    for i, (im, kind) in enumerate(pages):
        d, data = image_xobject(im, kind)
        img = w.add_stream(d, data)
        content = ("q %g 0 0 %g 0 0 cm /Im%d Do Q\n" % (page_size[0], page_size[1], i + 1)).encode()
        c = w.add_stream("", content)
        kids.append(w.add(
            "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << /Im%d %d 0 R >> >> "
            "/Contents %d 0 R >>" % (pages_obj, page_size[0], page_size[1], i + 1, img, c)))
    w.set(pages_obj, "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % k for k in kids), len(kids)))
    w.set(catalog, "<< /Type /Catalog /Pages %d 0 R >>" % pages_obj)
    info = w.add("<< /Title %s /Producer (chartgen synthetic fixture generator) >>"
                 % pdf_string(title or "SYNTHETIC SAMPLE"))
    data = w.tobytes(catalog, info)
    with open(path, "wb") as f:
        f.write(data)
    return data


def text_pdf_content(spec, page_size=(612, 792)):
    """PDF content stream for a spec: Helvetica text, one Tj per printed line."""
    sc = 72.0 / BASE_DPI  # layout px -> pt
    Hpt = page_size[1]
    ops = []

    def tj(x_px, y_px, pt, bold, text):
        # y_px is the top of the text line in layout units; baseline ~0.8em lower
        ypt = Hpt - (y_px * sc) - pt * 0.85
        ops.append("BT /%s %g Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET"
                   % ("F2" if bold else "F1", pt, x_px * sc, ypt, pdf_string(text)))

    h = spec["hospital"]
    tj(MARGIN_L, 110, 16, True, h["name"])
    tj(MARGIN_L, 170, 9, False, "%s  |  Tel %s" % (h["address"], h["phone"]))
    tj(MARGIN_L + TEXT_W - 540, 60, 9, False, SYNTHETIC_LINE)
    ops.append("%.2f %.2f %.2f 1.2 re f" % (MARGIN_L * sc, Hpt - 226 * sc, TEXT_W * sc))
    y = 260
    if spec["title"]:
        tj(MARGIN_L + TEXT_W / 2 - len(spec["title"]) * 18 * 0.68 / 2 / sc, y, 18, True, spec["title"])
        y += 85
    if spec.get("patient_block"):
        for row in patient_block_lines(spec):
            for ci, (lab, val) in enumerate(row):
                tj(MARGIN_L + ci * TEXT_W * 0.55, y, 11, False, lab + " " + val)
            y += 44
        y += 36
    pt = spec["body_pt"]
    lh = pt_px(pt) * 1.42
    y = max(y, 470)
    for l in spec["lines"]:
        if l.get("space"):
            y += lh * 0.5
            continue
        bold = "runs" in l and all(w == "bold" for _, w in l["runs"])
        tj(MARGIN_L + l.get("indent", 0), y, pt, bold, line_text(l))
        y += lh
    tj(MARGIN_L, FOOTER_Y, 9, False, SYNTHETIC_LINE)
    if spec.get("pages", 1) > 1:
        tj(MARGIN_L + TEXT_W - 200, FOOTER_Y, 9, False, "Page %d of %d" % (spec["page"], spec["pages"]))
    return ("\n".join(ops) + "\n").encode("latin-1")


def write_text_pdf(path, specs, page_size=(612, 792), title=None):
    """Born-digital PDF: real text layer (Type1 Helvetica / Helvetica-Bold,
    WinAnsiEncoding, BT/ET with one Tj per line), no images."""
    _mkparent(path)
    w = PdfWriter()
    catalog = w.reserve()
    pages_obj = w.reserve()
    f1 = w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for spec in specs:
        c = w.add_stream("", text_pdf_content(spec, page_size))
        kids.append(w.add(
            "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> "
            "/Contents %d 0 R >>" % (pages_obj, page_size[0], page_size[1], f1, f2, c)))
    w.set(pages_obj, "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % k for k in kids), len(kids)))
    w.set(catalog, "<< /Type /Catalog /Pages %d 0 R >>" % pages_obj)
    info = w.add("<< /Title %s /Producer (chartgen synthetic fixture generator) >>"
                 % pdf_string(title or "SYNTHETIC SAMPLE"))
    data = w.tobytes(catalog, info)
    with open(path, "wb") as f:
        f.write(data)
    return data


# --------------------------------------------------------------------------
# Truth
# --------------------------------------------------------------------------

_WORD_RE = re.compile(r"[A-Za-z]+")


def words_of(text):
    """Tokens as used for expect_words matching: maximal runs of ASCII letters."""
    return _WORD_RE.findall(text)


def _clean_tokens(text):
    # whole whitespace-separated words that are purely alphabetic after
    # stripping surrounding punctuation (so 'follow-up' or '98.4' never qualify)
    out = []
    for w in text.split():
        w = w.strip(".,:;()[]\"'!?")
        if w.isalpha() and w.isascii() and len(w) > 4:
            out.append(w)
    return out


def pick_expect_words(spec, rng, n=8, large_only=False):
    """6-10 distinctive words printed on the page (>4 letters).
    large_only: only words from the large bold hospital name / title (for
    rotated or skewed pages), plus the family name if more are needed."""
    if spec.get("blank"):
        return []
    seen, out = set(), []

    def take(ws, k):
        for w in ws:
            if len(out) >= n or k <= 0:
                return
            if w.lower() not in seen:
                seen.add(w.lower())
                out.append(w)
                k -= 1

    title_w = _clean_tokens(spec["title"])
    hosp_w = _clean_tokens(spec["hospital"]["name"])
    fam = _clean_tokens(spec["patient"]["family_name"].replace("-", " ")) if spec.get("patient") else []
    if large_only:
        take(title_w, 10)
        take(hosp_w, 10)
        if len(out) < 6:
            take(fam, 1)
        return out
    take(title_w, 2)
    take(hosp_w, 2)
    take(fam, 1)
    body = []
    for l in spec["lines"]:
        body += _clean_tokens(line_text(l))
    common = {"which", "their", "there", "these", "those", "about", "after", "before", "would",
              "should", "could", "patient", "without", "other", "being", "daily"}
    cands = sorted({w for w in body if len(w) >= 7 and w.lower() not in common and w.lower() not in seen},
                   key=lambda w: (w.lower(), w))
    uniq, low = [], set()
    for w in cands:
        if w.lower() not in low:
            low.add(w.lower())
            uniq.append(w)
    rng.shuffle(uniq)
    take(uniq, n)
    return out


def truth_record(source, page, spec, fmt, degradations=(), text_layer=False, expect_words=None, kind=None):
    blank = spec is None or spec.get("blank")
    return {
        "source": source,
        "page": page,
        "kind": kind or ("blank" if blank else "text"),
        "doc_type": None if blank else spec["doc_type"],
        "expect_words": [] if blank else list(expect_words or []),
        "patient": None if blank else patient_truth(spec.get("patient")),
        "degradations": list(degradations),
        "format": fmt,
        "text_layer": bool(text_layer),
    }


def write_jsonl(path, records):
    _mkparent(path)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=False) + "\n")
